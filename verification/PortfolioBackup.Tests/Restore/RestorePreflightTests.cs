using Npgsql;
using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Restore;

/// <summary>The restore's pre-flight is the quick tier plus the target's own check: a bad dump never touches the target.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RestorePreflightTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task A_truncated_dump_without_a_manifest_is_refused_and_the_target_is_byte_for_byte_unchanged()
    {
        // Arrange: pg_restore reads a cut-off file's TOC fine and only fails halfway through the data, after --clean dropped tables.
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var dump = await RestoreTestData.PgDumpAsync(fixture, database, backups.Combine("backup_20250101_000000.dump"));
        var bytes = await File.ReadAllBytesAsync(dump);
        await File.WriteAllBytesAsync(dump, bytes[..(bytes.Length * 3 / 4)]);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        var before = await PlainDumpAsync(database);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", dump, "--yes");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain("is not healthy").And.Contain("truncated").And.Contain("target was not touched");
        (await PlainDumpAsync(database)).Should().Be(before);
        Directory.GetFiles(backups.Path, BackupFileName.PreRestorePrefix + "*").Should().BeEmpty();
    }

    [Fact]
    public async Task A_dump_needing_an_extension_the_target_lacks_is_refused_before_the_target_is_touched()
    {
        // Arrange: a real extension installed only while the source is dumped, then removed, so the target cannot create it.
        using var backups = new TempDirectory();
        var share = ToolRunner.RunSync(fixture.Server.Binaries.PathOf("pg_config"), ["--sharedir"]).Trim();
        var name = $"pb_probe_{Guid.NewGuid():N}"[..20];
        var control = Path.Combine(share, "extension", $"{name}.control");
        var script = Path.Combine(share, "extension", $"{name}--1.0.sql");
        var source = await fixture.CreateDatabaseAsync();
        BackupResult backup;
        try
        {
            await File.WriteAllTextAsync(control, "default_version = '1.0'\nrelocatable = true\n");
            await File.WriteAllTextAsync(script, $"CREATE FUNCTION {name}_one() RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
            await fixture.ExecuteAsync(source, $"CREATE EXTENSION {name}");
            backup = await RestoreTestData.BackupAsync(fixture, source, backups.Path);
        }
        finally
        {
            File.Delete(control);
            File.Delete(script);
        }

        var target = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(target, RestoreTestData.ChangeDataSql);
        var before = await PlainDumpAsync(target);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(target, backups.Path), "restore", backup.DumpPath, "--yes");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain($"target: the dump needs extension {name}, not available on the target").And.Contain("target was not touched");
        (await PlainDumpAsync(target)).Should().Be(before);
    }

    [Fact]
    public async Task A_restore_interrupted_during_pg_restore_prints_the_rollback_command()
    {
        // Arrange: enough rows that pg_restore is still loading when the interrupt comes.
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "CREATE TABLE public.bulk AS SELECT g AS id, repeat(md5(g::text), 8) AS payload FROM generate_series(1, 600000) g");
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var watcher = CancelWhenPgRestoreRunsAsync(database, interrupt);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), interrupt.Token, "restore", backup.DumpPath, "--yes");
        await watcher;

        // Assert
        run.ExitCode.Should().Be(130, run.AllOutput);
        run.Error.Should().Contain("interrupted while pg_restore was restoring").And.Contain("may now be partly restored")
            .And.Contain("portfolio-backup restore").And.Contain(BackupFileName.PreRestorePrefix)
            .And.NotContain("no partial files were left behind");
    }

    private async Task CancelWhenPgRestoreRunsAsync(string database, CancellationTokenSource interrupt)
    {
        await using var connection = await fixture.Server.OpenConnectionAsync("postgres");
        while (!interrupt.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db AND application_name = 'pg_restore' AND query LIKE 'COPY%'", connection);
            command.Parameters.AddWithValue("db", database);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                await interrupt.CancelAsync();
                return;
            }

            await Task.Delay(20);
        }
    }

    private async Task<string> PlainDumpAsync(string database)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await ToolRunner.RunCheckedAsync(
            new ToolInvocation(fixture.Server.Binaries.PathOf("pg_dump"), ["--format=plain", "--no-owner", database])
            {
                Environment = RestoreTestData.Connection(fixture, database).ToolEnvironment(),
                Secrets = [fixture.Password],
            },
            timeout.Token);
        // Plain dumps of 15.14+ open and close with \restrict <random key>; everything else is the database itself.
        return string.Join('\n', result.StandardOutput.Split('\n').Where(l => !l.StartsWith("\\restrict ", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict ", StringComparison.Ordinal)));
    }
}
