using System.Globalization;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Restore;

/// <summary>A restore's real target as the pre-flight checks see it: its own pg_restore, its server's available extensions.</summary>
internal sealed class ClientCheckTarget(TargetClient client, string serverVersion, string queryDatabase) : ICheckTarget
{
    public string Description => $"PostgreSQL {serverVersion}, {client.Target.Describe()}";

    public int MajorVersion =>
        int.TryParse(serverVersion.Split('.', ' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0;

    public Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken) => client.MapDumpAsync(dumpPath, cancellationToken);

    public Task<ToolResult> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        client.RunAsync(tool, arguments, null, cancellationToken);

    public async Task<IReadOnlySet<string>> AvailableExtensionsAsync(CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(queryDatabase, "SELECT name FROM pg_available_extensions", cancellationToken);
        return rows.Select(r => r[0]).ToHashSet(StringComparer.Ordinal);
    }
}
