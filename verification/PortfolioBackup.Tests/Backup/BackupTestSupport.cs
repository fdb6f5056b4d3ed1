using System.Security.Cryptography;
using PortfolioBackup.Backup;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Backup;

/// <summary>Shared steps of the backup tests: settings for a fixture database, leftovers, real pg_restore and exact recounts.</summary>
internal static class BackupTestSupport
{
    public static BackupSettings Settings(PostgresServerFixture fixture, string database, string backupDir) =>
        SettingsReader.ReadBackupSettings(fixture.CliEnvironment(database, backupDir));

    /// <summary>Every file a backup run could leave: dumps, manifests, temporary files.</summary>
    public static string[] BackupArtifacts(string directory) =>
        !Directory.Exists(directory)
            ? []
            : Directory.GetFiles(directory).Select(Path.GetFileName).Where(n => n!.StartsWith("backup_", StringComparison.Ordinal)
                || n.EndsWith(".partial", StringComparison.Ordinal)).Select(n => n!).ToArray();

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Adds a table big enough that pg_dump takes a noticeable moment (and several MB).</summary>
    public static Task AddBulkTableAsync(PostgresServerFixture fixture, string database, int rows) =>
        fixture.ExecuteAsync(database, $"""
            CREATE TABLE public.bulk (id bigint PRIMARY KEY, a text, b text);
            INSERT INTO public.bulk SELECT g, md5(g::text), md5((g * 7)::text) FROM generate_series(1, {rows}) g;
            """);

    public static async Task<ToolResult> PgRestoreAsync(PostgresServerFixture fixture, params string[] arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await ToolRunner.RunAsync(
            new ToolInvocation(fixture.Server.Binaries.PathOf("pg_restore"), arguments)
            {
                Environment = fixture.Server.ClientEnvironment(),
                Secrets = [fixture.Password],
            },
            timeout.Token);
    }

    /// <summary>Exact counts of the given tables in a database, quoted server-side.</summary>
    public static async Task<Dictionary<string, long>> CountRowsAsync(PostgresServerFixture fixture, string database, IEnumerable<TableRowCount> tables)
    {
        var result = new Dictionary<string, long>();
        await using var connection = await fixture.Server.OpenConnectionAsync(database);
        foreach (var table in tables)
        {
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM ONLY %I.%I', $1::text, $2::text), false, true, '')))[1]::text::bigint",
                connection);
            command.Parameters.AddWithValue(table.Schema);
            command.Parameters.AddWithValue(table.Name);
            result[table.QualifiedName] = (long)(await command.ExecuteScalarAsync())!;
        }

        return result;
    }
}

/// <summary>A clock stuck at one instant, to provoke two backups in the same second.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
