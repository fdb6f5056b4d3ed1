using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Verification;

/// <summary>
/// The operators' round trip through real bash processes: backup_db.sh writes a backup of a seeded database, then
/// test_restore.sh runs the verification suite on that BACKUP_DIR.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TestRestoreScriptTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Backup_then_test_restore_shows_the_dump_healthy_with_exact_counts_and_records_the_schema_on_the_first_run()
    {
        // Arrange: production's own name, on its first run: nothing in the repository stands in for its schema.
        const string database = "portfolio";
        await fixture.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {database}");
        await fixture.ExecuteAsync("postgres", $"CREATE DATABASE {database} TEMPLATE {PostgresServerFixture.TemplateDatabase}");
        using var temp = new TempDirectory();
        var backupDir = temp.Combine("backups");
        var backup = await OperatorScripts.RunAsync("backup_db.sh", fixture.CliEnvironment(database, backupDir), temp.Path);
        backup.ExitCode.Should().Be(0, backup.StandardError);
        var dump = Path.GetFileName(Directory.GetFiles(backupDir, "backup_*.dump").Single());
        var report = temp.Combine("report.json");

        // Act
        var result = await OperatorScripts.RunAsync("test_restore.sh", VerifyEnvironment(backupDir, temp, report), temp.Path);

        // Assert
        result.ExitCode.Should().Be(0, result.StandardOutput + result.StandardError);
        result.StandardOutput.Should().Contain($"{dump}: healthy (local").And.Contain("1 of 1 dump(s) healthy")
            .And.Contain($"Passed Dump_restores_and_passes_every_check(dump: {dump})")
            .And.Contain($"Passed Every_image_row_points_at_an_existing_user(dump: {dump})")
            .And.Contain($"Passed Newest_dump_has_the_recorded_schema(dump: {dump})");
        foreach (var (table, rows) in PostgresServerFixture.SeedRowCounts)
        {
            result.StandardOutput.Should().Contain($"  rows  {PortfolioBackup.Verification.TableName.Parse(table)}: {rows} (expected {rows})");
        }

        (result.StandardOutput + result.StandardError).Should().NotContain(fixture.Password);
        File.ReadAllText(report).Should().Contain($"\"file\": \"{Path.Combine(backupDir, dump)}\"").And.Contain("\"healthy\": true");
        Directory.GetFiles(temp.Combine("results"), "*.trx").Should().ContainSingle();
        File.ReadAllText(Path.Combine(backupDir, "schema-snapshots", "portfolio.schema.json")).Should().Contain("column public.images.url text not null");

        // The app migrates: the next run's verdict warns, and the suite's snapshot test names the change and how to accept it.
        await fixture.ExecuteAsync(database, "ALTER TABLE images ADD COLUMN alt_text text; ALTER TABLE users ALTER COLUMN name DROP NOT NULL");
        await Task.Delay(1100);
        (await OperatorScripts.RunAsync("backup_db.sh", fixture.CliEnvironment(database, backupDir), temp.Path)).ExitCode.Should().Be(0);
        var changed = await OperatorScripts.RunAsync("test_restore.sh", VerifyEnvironment(backupDir, temp, report), temp.Path);
        changed.ExitCode.Should().Be(1, changed.StandardOutput + changed.StandardError);
        changed.StandardOutput.Should().Contain("warn  schema: + public.images.alt_text text; ~ public.users.name text not null → text")
            .And.Contain("Failed Newest_dump_has_the_recorded_schema")
            .And.Contain($"If the change is intended, accept it with: rm '{Path.Combine(backupDir, "schema-snapshots", "portfolio.schema.json")}'");
    }

    [Fact]
    public async Task Test_restore_on_an_empty_BACKUP_DIR_fails_with_the_help()
    {
        // Arrange
        using var temp = new TempDirectory();
        var backupDir = temp.Combine("backups");
        Directory.CreateDirectory(backupDir);

        // Act
        var result = await OperatorScripts.RunAsync("test_restore.sh", VerifyEnvironment(backupDir, temp, report: null), temp.Path);

        // Assert
        result.ExitCode.Should().Be(1);
        result.StandardOutput.Should().Contain($"Failed Dump_restores_and_passes_every_check(dump: (no dumps to verify))")
            .And.Contain($"Nothing to verify: BACKUP_DIR={backupDir} holds no backup_*.dump or backup_*.dump.age files")
            .And.Contain("doppler run -- ./scripts/db_backup/test_restore.sh")
            .And.Contain("0 of 0 dump(s) healthy")
            .And.NotContain("Passed ");
    }

    private static Dictionary<string, string?> VerifyEnvironment(string backupDir, TempDirectory temp, string? report) => new(StringComparer.Ordinal)
    {
        ["BACKUP_DIR"] = backupDir,
        ["VERIFY_ENGINE"] = "local",
        ["RESULTS_DIR"] = temp.Combine("results"),
        ["REPORT"] = report,
        // The connection of the database that was backed up is not the verifier's business.
        ["DB_PASSWORD"] = null,
    };
}
