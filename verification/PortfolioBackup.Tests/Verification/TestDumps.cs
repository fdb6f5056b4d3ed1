using System.Security.Cryptography;
using Npgsql;
using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Verification;

/// <summary>Real dumps of the fixture's databases made with real pg_dump, and manifests with the source's exact counts.</summary>
internal static class TestDumps
{
    public static Task<string> DumpAsync(PostgresServerFixture fixture, string database, string path, string format = "c") =>
        DumpWithOptionsAsync(fixture, database, path, [$"--format={format}"]);

    /// <summary>Dumps with the pg_dump options an operator chose (e.g. <c>-Fc -n public</c>).</summary>
    public static async Task<string> DumpWithOptionsAsync(PostgresServerFixture fixture, string database, string path, IReadOnlyList<string> options)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var invocation = new ToolInvocation(fixture.Server.Binaries.PathOf("pg_dump"), [.. options, "--file", path, database])
        {
            Environment = fixture.Server.ClientEnvironment(database),
            Secrets = [fixture.Password],
        };
        await ToolRunner.RunCheckedAsync(invocation, timeout.Token);
        return path;
    }

    /// <summary>Writes the manifest beside the dump with the source's exact counts, optionally changed by the test.</summary>
    public static async Task<BackupManifest> WriteManifestAsync(PostgresServerFixture fixture, string database, string dumpPath, Func<BackupManifest, BackupManifest>? change = null)
    {
        await using var connection = await fixture.Server.OpenConnectionAsync(database);
        var tables = new List<TableRowCount>();
        var names = new List<(string Schema, string Name, string Quoted)>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT n.nspname, c.relname, format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        foreach (var (schema, name, quoted) in names)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM ONLY {quoted}", connection);
            tables.Add(new TableRowCount(schema, name, (long)(await count.ExecuteScalarAsync())!));
        }

        var extensions = new List<ExtensionVersion>();
        await using (var command = new NpgsqlCommand("SELECT extname, extversion FROM pg_extension", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                extensions.Add(new ExtensionVersion(reader.GetString(0), reader.GetString(1)));
            }
        }

        await using var file = File.OpenRead(dumpPath);
        var manifest = new BackupManifest
        {
            DumpFile = Path.GetFileName(dumpPath),
            Database = database,
            ServerVersion = fixture.Server.ServerVersion,
            PgDumpVersion = "pg_dump (PostgreSQL) 15",
            StartedAt = DateTimeOffset.UtcNow,
            FinishedAt = DateTimeOffset.UtcNow,
            SizeBytes = file.Length,
            Sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file)),
            Extensions = extensions,
            Tables = tables,
        };
        manifest = change?.Invoke(manifest) ?? manifest;
        await File.WriteAllTextAsync(BackupFileName.ManifestPathFor(dumpPath), manifest.ToJson());
        return manifest;
    }

    public static string BackupName(int minute) => $"backup_20250101_00{minute:00}00.dump";
}
