using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Restore;

[Collection(PostgresCollection.Name)]
public sealed class RestoreCliTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Restore_over_changed_data_brings_the_database_back_to_the_dump()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var checksumAtDump = await fixture.ScalarAsync<string>(database, RestoreTestData.ImagesChecksumSql);
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        (await fixture.ScalarAsync<string>(database, RestoreTestData.ImagesChecksumSql)).Should().NotBe(checksumAtDump);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", backup.DumpPath, "--yes");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        (await RestoreTestData.CountsAsync(fixture, database)).Should().Equal(PostgresServerFixture.SeedRowCounts);
        (await fixture.ScalarAsync<string>(database, RestoreTestData.ImagesChecksumSql)).Should().Be(checksumAtDump);
        run.Output.Should().Contain($"database {database}").And.Contain("server 15.")
            .And.Contain("10 of the 10 tables in the dump's manifest exist there")
            .And.Contain("row counts: all 10 tables match the manifest");
        run.AllOutput.Should().NotContain(fixture.Password);
    }

    [Fact]
    public async Task Safety_backup_is_taken_with_a_manifest_and_is_not_a_regular_backup()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        var changedCounts = await RestoreTestData.CountsAsync(fixture, database);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", backup.DumpPath, "--yes");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        var safety = Directory.GetFiles(backups.Path, BackupFileName.PreRestorePrefix + "*.dump").Should().ContainSingle().Subject;
        var name = Path.GetFileName(safety);
        BackupFileName.TryParse(name, out _).Should().BeFalse("retention only counts backup_*.dump as regular backups");
        BackupFileName.TryParse(name, BackupFileName.PreRestorePrefix, out _).Should().BeTrue();
        var manifest = await BackupManifest.ReadForDumpAsync(safety);
        manifest.Should().NotBeNull();
        manifest!.Database.Should().Be(database);
        manifest.Tables!.ToDictionary(t => t.QualifiedName, t => t.Rows)
            .Where(kv => changedCounts.ContainsKey(kv.Key)).Should().BeEquivalentTo(changedCounts, "the safety backup holds the target as it was before the restore");
        manifest.Tables!.Should().Contain(t => t.QualifiedName == "public.marker");
        run.Output.Should().Contain(safety).And.Contain("portfolio-backup restore " + safety);
    }

    [Fact]
    public async Task Restore_into_a_missing_database_creates_it_with_yes()
    {
        // Arrange
        using var backups = new TempDirectory();
        var source = await fixture.CreateDatabaseAsync();
        var dump = await RestoreTestData.PgDumpAsync(fixture, source, backups.Combine("plain.dump"));
        var target = "restored_" + Guid.NewGuid().ToString("N")[..12];

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(source, backups.Path), "restore", dump, "--target-db", target, "--yes");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain($"the database {target} does not exist: it will be created").And.Contain($"created database {target}")
            .And.Contain("row counts: not compared");
        (await RestoreTestData.CountsAsync(fixture, target)).Should().Equal(PostgresServerFixture.SeedRowCounts);
        Directory.GetFiles(backups.Path, BackupFileName.PreRestorePrefix + "*").Should().BeEmpty("there was nothing to back up");
    }

    [Fact]
    public async Task Dump_that_differs_from_its_manifest_is_refused_and_the_target_is_untouched()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        var before = await FingerprintAsync(database);
        await using (var stream = new FileStream(backup.DumpPath, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = stream.Length / 2;
            var b = stream.ReadByte();
            stream.Position = stream.Length / 2;
            stream.WriteByte((byte)(b ^ 0xFF));
        }

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", backup.DumpPath, "--yes");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain("is not healthy").And.Contain("SHA-256").And.Contain("target was not touched").And.Contain("--force");
        (await FingerprintAsync(database)).Should().Be(before);
        Directory.GetFiles(backups.Path, BackupFileName.PreRestorePrefix + "*").Should().BeEmpty();
    }

    [Fact]
    public async Task File_that_is_not_a_dump_is_refused_and_the_target_is_untouched()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var garbage = backups.Combine("backup_20250101_000000.dump");
        await File.WriteAllBytesAsync(garbage, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray());
        var before = await FingerprintAsync(database);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", garbage, "--yes");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain("file: not a PostgreSQL dump");
        (await FingerprintAsync(database)).Should().Be(before);
    }

    [Fact]
    public async Task Without_a_terminal_and_without_yes_the_restore_is_refused_with_exit_2()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        var before = await FingerprintAsync(database);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", backup.DumpPath);

        // Assert
        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("pass --yes");
        (await FingerprintAsync(database)).Should().Be(before);
    }

    [Fact]
    public async Task Single_transaction_with_parallel_jobs_is_a_usage_error()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", backup.DumpPath, "--yes", "--single-transaction", "--jobs", "2");

        // Assert
        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("--single-transaction cannot be combined with --jobs 2").And.Contain("cannot share one transaction");
    }

    [Fact]
    public async Task Parallel_restore_with_jobs_restores_everything()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", backup.DumpPath, "--yes", "--jobs", "2", "--no-safety-backup");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("NO safety backup").And.Contain("row counts: all 10 tables match");
        (await RestoreTestData.CountsAsync(fixture, database)).Should().Equal(PostgresServerFixture.SeedRowCounts);
        Directory.GetFiles(backups.Path, BackupFileName.PreRestorePrefix + "*").Should().BeEmpty();
    }

    [Fact]
    public async Task Failure_midway_in_a_single_transaction_leaves_the_target_as_it_was()
    {
        // Arrange
        using var backups = new TempDirectory();
        var source = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(source, RestoreTestData.FailsPartwaySql);
        var dump = await RestoreTestData.PgDumpAsync(fixture, source, backups.Combine("fails-partway.dump"));
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        var before = await FingerprintAsync(database);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", dump, "--yes", "--single-transaction");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain("pg_restore failed").And.Contain("aa_child").And.Contain("rolled back").And.Contain("exactly as it was before");
        (await FingerprintAsync(database)).Should().Be(before);
        (await RestoreTestData.TableExistsAsync(fixture, database, "public.aa_child")).Should().BeFalse();
        run.AllOutput.Should().NotContain(fixture.Password);
    }

    [Fact]
    public async Task Failed_restore_prints_a_rollback_command_that_brings_the_target_back()
    {
        // Arrange
        using var backups = new TempDirectory();
        var source = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(source, RestoreTestData.FailsPartwaySql);
        var dump = await RestoreTestData.PgDumpAsync(fixture, source, backups.Combine("fails-partway.dump"));
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        var before = await FingerprintAsync(database);
        var environment = fixture.CliEnvironment(database, backups.Path);

        // Act
        var failed = await CliRunner.RunAsync(environment, "restore", dump, "--yes");
        var rollbackLine = failed.Error.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("portfolio-backup restore ", StringComparison.Ordinal));
        var rollback = await CliRunner.RunAsync(environment, [.. rollbackLine.Split(' ').Skip(1)]);

        // Assert
        failed.ExitCode.Should().Be(1, failed.AllOutput);
        failed.Error.Should().Contain("may now be partly restored").And.Contain(BackupFileName.PreRestorePrefix);
        rollback.ExitCode.Should().Be(0, rollback.AllOutput);
        (await FingerprintAsync(database)).Should().Be(before);
    }

    [Fact]
    public async Task Wrong_password_is_reported_without_printing_it_and_nothing_is_changed()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        var before = await FingerprintAsync(database);
        var environment = fixture.CliEnvironment(database, backups.Path);
        environment["DB_PASSWORD"] = "wrong-" + fixture.Password;

        // Act
        var run = await CliRunner.RunAsync(environment, "restore", backup.DumpPath, "--yes");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain("cannot connect to").And.Contain("password authentication failed").And.Contain("Nothing was changed");
        run.AllOutput.Should().NotContain(fixture.Password);
        (await FingerprintAsync(database)).Should().Be(before);
    }

    [Fact]
    public async Task Verify_full_runs_the_throwaway_restore_before_touching_the_target()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", backup.DumpPath, "--yes", "--verify", "full", "--no-safety-backup");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("check full: restore: pass").And.NotContain(": FAIL").And.NotContain(": skip");
        (await RestoreTestData.CountsAsync(fixture, database)).Should().Equal(PostgresServerFixture.SeedRowCounts);
    }

    private async Task<string> FingerprintAsync(string database)
    {
        var counts = await RestoreTestData.CountsAsync(fixture, database);
        var checksum = await fixture.ScalarAsync<string>(database, RestoreTestData.ImagesChecksumSql);
        var marker = await RestoreTestData.TableExistsAsync(fixture, database, "public.marker")
            ? await fixture.ScalarAsync<string>(database, "SELECT string_agg(note, ',') FROM public.marker")
            : "(no marker)";
        return $"{string.Join(";", counts.Select(kv => $"{kv.Key}={kv.Value}"))}|{checksum}|{marker}";
    }
}
