using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>
/// A running throwaway PostgreSQL server that dumps are restored into: a local cluster or a container of the
/// production image. Tools run with the server's own binaries (inside the container for the container engine).
/// </summary>
public interface IRestoreServer : IAsyncDisposable
{
    /// <summary>"local" or "container".</summary>
    string EngineName { get; }

    /// <summary>The container image, or null for the local engine.</summary>
    string? Image { get; }

    /// <summary>The server's major version.</summary>
    int MajorVersion { get; }

    /// <summary>The server's <c>server_version</c>.</summary>
    string ServerVersion { get; }

    /// <summary>A connection string (from this machine) for one database on the server.</summary>
    string ConnectionString(string database);

    /// <summary>The path under which the server's own tools see a dump file of this machine.</summary>
    Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs one of the server's own client programs (<c>pg_restore</c>, <c>psql</c>) with the connection preset
    /// (PGHOST, PGPORT, PGUSER, PGPASSWORD); paths in <paramref name="arguments"/> must come from <see cref="MapDumpAsync"/>.
    /// </summary>
    Task<ToolResult> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default);
}
