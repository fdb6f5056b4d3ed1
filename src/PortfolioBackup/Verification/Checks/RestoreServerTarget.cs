using Npgsql;
using PortfolioBackup.Engines;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Verification.Checks;

/// <summary>A throwaway restore server as the checks' target.</summary>
internal sealed class RestoreServerTarget(IRestoreServer server) : ICheckTarget
{
    public string Description => $"PostgreSQL {server.ServerVersion}, {server.Image ?? server.EngineName}";

    public int MajorVersion => server.MajorVersion;

    public Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken) => server.MapDumpAsync(dumpPath, cancellationToken);

    public Task<ToolResult> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        server.RunToolAsync(tool, arguments, cancellationToken);

    public async Task<IReadOnlySet<string>> AvailableExtensionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        var names = await Sql.QueryAsync(connection, "SELECT name FROM pg_available_extensions", r => r.GetString(0), cancellationToken);
        return names.ToHashSet(StringComparer.Ordinal);
    }
}
