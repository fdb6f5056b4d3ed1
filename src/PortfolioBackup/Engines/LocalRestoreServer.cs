using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>A throwaway local cluster (<see cref="LocalPostgresServer"/>) used as a restore target; its tools are the local binaries of the same major.</summary>
public sealed class LocalRestoreServer : IRestoreServer
{
    private readonly LocalPostgresServer _server;

    private LocalRestoreServer(LocalPostgresServer server) => _server = server;

    /// <inheritdoc />
    public string EngineName => "local";

    /// <inheritdoc />
    public string? Image => null;

    /// <inheritdoc />
    public int MajorVersion => _server.Binaries.MajorVersion;

    /// <inheritdoc />
    public string ServerVersion => _server.ServerVersion;

    /// <summary>The programs the server and its tools run from.</summary>
    public PgBinaries Binaries => _server.Binaries;

    /// <summary>What was cleaned up after earlier killed runs before this server started.</summary>
    public IReadOnlyList<string> CleanupNotes => _server.CleanupNotes;

    /// <summary>Creates and starts a throwaway cluster (tuned for restore unless the options say otherwise).</summary>
    public static async Task<LocalRestoreServer> StartAsync(LocalServerOptions options, CancellationToken cancellationToken = default) =>
        new(await LocalPostgresServer.StartAsync(options, cancellationToken));

    /// <inheritdoc />
    public string ConnectionString(string database) => _server.ConnectionString(database);

    /// <inheritdoc />
    public Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken = default) =>
        // pg_restore runs as this process's user on this machine, so the path is used as is.
        Task.FromResult(Path.GetFullPath(dumpPath));

    /// <inheritdoc />
    public Task<ToolResult> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var invocation = new ToolInvocation(_server.Binaries.PathOf(tool), arguments)
        {
            Environment = _server.ClientEnvironment(),
            Secrets = _server.Password is { } password ? [password] : [],
        };
        return ToolRunner.RunAsync(invocation, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
