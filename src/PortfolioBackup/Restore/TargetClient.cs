using PortfolioBackup.Configuration;
using PortfolioBackup.Containers;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Restore;

/// <summary>
/// Runs PostgreSQL client programs against the restore target: the local binaries over the configured connection, or
/// the container's own binaries through <c>docker exec</c> on its local socket. The password only travels in the
/// environment (for docker: <c>--env PGPASSWORD</c> by name, the value inherited from the docker CLI's environment).
/// </summary>
internal abstract class TargetClient : IAsyncDisposable
{
    private const char FieldSeparator = '\u001f';
    private const char RecordSeparator = '\u001e';

    protected TargetClient(RestoreTarget target)
    {
        Target = target;
    }

    public RestoreTarget Target { get; }

    public ConnectionSettings Connection => Target.Connection;

    protected IReadOnlyList<string> Secrets => Connection.Password is null ? [] : [Connection.Password];

    /// <summary>
    /// The client for the target; a container target with <paramref name="streamDumps"/> (one pg_restore job) reads the dump
    /// from stdin, so no copy of it (plaintext, for an encrypted backup) is ever written inside the container.
    /// </summary>
    public static TargetClient For(RestoreTarget target, bool streamDumps = true) =>
        target.Container is null ? new DirectTargetClient(target) : new ContainerTargetClient(target, streamDumps);

    /// <summary>The path under which the target's programs read the dump (copied into the container when needed).</summary>
    public abstract Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken);

    /// <summary>Runs one client program (pg_restore, psql, pg_dump, createdb) against the target.</summary>
    public abstract Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> arguments, Action<string>? onStandardErrorLine, CancellationToken cancellationToken);

    /// <summary>Builds the exception for a failed run, with arguments and stderr masked.</summary>
    public abstract ToolFailedException Failure(string tool, IReadOnlyList<string> arguments, ToolResult result);

    /// <summary>Runs a query with psql in one database and returns its rows as fields; throws when psql fails.</summary>
    public async Task<IReadOnlyList<string[]>> QueryAsync(string database, string sql, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> arguments =
        [
            "--no-psqlrc", "--quiet", "--no-align", "--tuples-only",
            "--field-separator", FieldSeparator.ToString(), "--record-separator", RecordSeparator.ToString(),
            "--set", "ON_ERROR_STOP=1", "--dbname", database, "--command", sql,
        ];
        var result = await RunAsync("psql", arguments, null, cancellationToken);
        if (!result.Succeeded)
        {
            throw Failure("psql", arguments, result);
        }

        return result.StandardOutput.TrimEnd('\n')
            .Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.Trim('\n').Split(FieldSeparator))
            .Where(r => r is not [""])
            .ToList();
    }

    /// <summary>Removes whatever <see cref="MapDumpAsync"/> copied.</summary>
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The local PostgreSQL programs over the configured host, port and credentials.</summary>
internal sealed class DirectTargetClient(RestoreTarget target) : TargetClient(target)
{
    private PgBinaries? _binaries;

    public override Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken) => Task.FromResult(Path.GetFullPath(dumpPath));

    public override Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> arguments, Action<string>? onStandardErrorLine, CancellationToken cancellationToken) =>
        ToolRunner.RunAsync(Invocation(tool, arguments) with { OnStandardErrorLine = onStandardErrorLine }, cancellationToken);

    public override ToolFailedException Failure(string tool, IReadOnlyList<string> arguments, ToolResult result) =>
        ToolRunner.Failure(Invocation(tool, arguments), result);

    private ToolInvocation Invocation(string tool, IReadOnlyList<string> arguments)
    {
        // The newest local programs read every older archive version.
        _binaries ??= PgBinaries.Discover();
        var environment = new Dictionary<string, string?>(Connection.ToolEnvironment(), StringComparer.Ordinal);
        // The child sees exactly the configured credentials, never a stray inherited password.
        environment.TryAdd("PGPASSWORD", null);
        environment["PGCONNECT_TIMEOUT"] = "15";
        return new ToolInvocation(_binaries.PathOf(tool), arguments) { Environment = environment, Secrets = Secrets };
    }
}

/// <summary>The container's own programs through <c>docker exec</c>, connecting over its local socket.</summary>
internal sealed class ContainerTargetClient(RestoreTarget target, bool streamDumps) : TargetClient(target)
{
    // The name a streamed dump goes by in argument lists until it is run: never a path inside the container.
    private const string StreamedPrefix = "stdin-dump:";

    private readonly List<string> _copies = [];

    private string Container => Target.Container!;

    private readonly Dictionary<string, string> _mapped = new(StringComparer.Ordinal);

    public override async Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken)
    {
        // The pre-flight's pg_restore --list and the restore itself read the same copy: a dump is copied in once.
        var source = Path.GetFullPath(dumpPath);
        if (_mapped.TryGetValue(source, out var copied))
        {
            return copied;
        }

        if (streamDumps)
        {
            // pg_restore reads a custom-format archive from stdin (not with --jobs, which needs a file to seek in): nothing
            // lands inside the container, and a restore cut short stops with its input.
            var token = StreamedPrefix + Guid.NewGuid().ToString("N");
            _mapped[source] = token;
            return token;
        }

        var inside = $"/tmp/portfolio-restore-{Guid.NewGuid():N}.dump";
        _copies.Add(inside);
        await DockerCli.RunCheckedAsync(["cp", source, $"{Container}:{inside}"], cancellationToken);
        _mapped[source] = inside;
        return inside;
    }

    public override Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> arguments, Action<string>? onStandardErrorLine, CancellationToken cancellationToken) =>
        ToolRunner.RunAsync(Invocation(tool, arguments) with { OnStandardErrorLine = onStandardErrorLine }, cancellationToken);

    public override ToolFailedException Failure(string tool, IReadOnlyList<string> arguments, ToolResult result)
    {
        var invocation = Invocation(tool, arguments);
        return new ToolFailedException(tool, result.ExitCode, ToolRunner.MaskedArguments(invocation), ToolRunner.Tail(result.StandardError));
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var path in _copies)
        {
            // Best effort with its own timeout: the copy must go, but a cleanup problem must not hide the real outcome.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await DockerCli.RunAsync(["exec", Container, "rm", "-f", "--", path], timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or PortfolioBackupException)
            {
            }
        }

        _copies.Clear();
    }

    // A streamed dump's token leaves the arguments and becomes the program's stdin.
    private (IReadOnlyList<string> Arguments, string? Stdin) Streamed(IReadOnlyList<string> arguments)
    {
        var token = arguments.FirstOrDefault(a => a.StartsWith(StreamedPrefix, StringComparison.Ordinal));
        return token is null ? (arguments, null) : (arguments.Where(a => a != token).ToList(), _mapped.Single(m => m.Value == token).Key);
    }

    internal ToolInvocation Invocation(string tool, IReadOnlyList<string> arguments)
    {
        var (actual, stdin) = Streamed(arguments);
        return ContainerExec.Invocation(Container, Connection, tool, actual, interactive: stdin is not null) with { Secrets = Secrets, StandardInputFile = stdin };
    }
}
