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

    public static TargetClient For(RestoreTarget target) =>
        target.Container is null ? new DirectTargetClient(target) : new ContainerTargetClient(target);

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
internal sealed class ContainerTargetClient(RestoreTarget target) : TargetClient(target)
{
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

    internal ToolInvocation Invocation(string tool, IReadOnlyList<string> arguments) =>
        ContainerExec.Invocation(Container, Connection, tool, arguments) with { Secrets = Secrets };
}
