using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Backup;

/// <summary>A successful backup against a real server: file, permissions, archive contents, manifest and restorability.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupRunnerTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Backup_writes_a_private_custom_format_dump_and_an_exact_manifest()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var backupDir = temp.Combine("new", "backups");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        // Act
        var result = await BackupRunner.RunAsync(BackupTestSupport.Settings(fixture, database, backupDir), timeout.Token);

        // Assert
        Path.GetDirectoryName(result.DumpPath).Should().Be(backupDir);
        BackupFileName.TryParse(Path.GetFileName(result.DumpPath), out var takenAt).Should().BeTrue();
        takenAt.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));
        new DirectoryInfo(backupDir).UnixFileMode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.GetUnixFileMode(result.DumpPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(result.ManifestPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await File.ReadAllBytesAsync(result.DumpPath, timeout.Token))[..5].Should().Equal("PGDMP"u8.ToArray());
        BackupTestSupport.BackupArtifacts(backupDir).Should().BeEquivalentTo(
            Path.GetFileName(result.DumpPath), Path.GetFileName(result.ManifestPath));

        var manifest = await BackupManifest.ReadForDumpAsync(result.DumpPath, timeout.Token);
        manifest.Should().BeEquivalentTo(result.Manifest);
        manifest!.FormatVersion.Should().Be(BackupManifest.CurrentFormatVersion);
        manifest.DumpFile.Should().Be(Path.GetFileName(result.DumpPath));
        manifest.Database.Should().Be(database);
        manifest.ServerVersion.Should().StartWith(fixture.Server.Binaries.MajorVersion + ".");
        manifest.PgDumpVersion.Should().StartWith("pg_dump (PostgreSQL) " + fixture.Server.Binaries.MajorVersion);
        manifest.FinishedAt.Should().BeOnOrAfter(manifest.StartedAt);
        manifest.SizeBytes.Should().Be(new FileInfo(result.DumpPath).Length);
        manifest.Sha256.Should().Be(BackupTestSupport.Sha256Of(result.DumpPath));
        manifest.Snapshot.Should().NotBeNullOrEmpty();
        manifest.Extensions.Select(e => e.Name).Should().Contain(["citext", "pg_trgm", "plpgsql"]);
        manifest.Tables!.ToDictionary(t => t.QualifiedName, t => t.Rows).Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }

    [Fact]
    public async Task Dump_has_no_owner_or_privilege_entries_and_restores_with_plain_pg_restore()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "GRANT SELECT ON public.users TO PUBLIC");
        using var temp = new TempDirectory();
        var result = await BackupRunner.RunAsync(BackupTestSupport.Settings(fixture, database, temp.Path));
        var target = await fixture.CreateDatabaseAsync(seeded: false);

        // Act
        var toc = await BackupTestSupport.PgRestoreAsync(fixture, "--list", result.DumpPath);
        var restore = await BackupTestSupport.PgRestoreAsync(fixture, "--exit-on-error", "--dbname", target, result.DumpPath);

        // Assert
        toc.Succeeded.Should().BeTrue(toc.StandardError);
        toc.StandardOutput.Should().Contain("TABLE DATA public users");
        toc.StandardOutput.Should().NotMatchRegex(@"(?m)^\d+;.*\b(ACL|OWNER|DEFAULT ACL)\b");
        restore.Succeeded.Should().BeTrue(restore.StandardError);
        var restored = await BackupTestSupport.CountRowsAsync(fixture, target, result.Manifest.Tables!);
        restored.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }

    [Fact]
    public async Task Backup_in_an_existing_folder_keeps_its_mode_and_other_files()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        File.SetUnixFileMode(temp.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        await File.WriteAllTextAsync(temp.Combine("notes.txt"), "keep me");

        // Act
        var result = await BackupRunner.RunAsync(BackupTestSupport.Settings(fixture, database, temp.Path) with { CountRows = false });

        // Assert
        new DirectoryInfo(temp.Path).UnixFileMode.Should().HaveFlag(UnixFileMode.GroupRead);
        File.ReadAllText(temp.Combine("notes.txt")).Should().Be("keep me");
        result.Manifest.Tables.Should().BeNull();
        result.TotalRows.Should().BeNull();
        File.Exists(result.DumpPath).Should().BeTrue();
    }

    [Fact]
    public async Task Backup_in_the_same_second_as_an_existing_one_fails_and_leaves_it_untouched()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var options = new BackupOptions { Settings = BackupTestSupport.Settings(fixture, database, temp.Path), Clock = new FixedClock(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero)) };
        var first = await BackupRunner.RunAsync(options);
        var hash = BackupTestSupport.Sha256Of(first.DumpPath);

        // Act
        var act = () => BackupRunner.RunAsync(options);

        // Assert
        (await act.Should().ThrowAsync<BackupAlreadyExistsException>()).WithMessage("*backup_20250304_050607.dump*already exists*");
        BackupTestSupport.Sha256Of(first.DumpPath).Should().Be(hash);
        BackupTestSupport.BackupArtifacts(temp.Path).Should().HaveCount(2);
    }

    [Fact]
    public async Task Manifest_counts_match_the_dump_while_rows_are_inserted_during_the_backup()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await BackupTestSupport.AddBulkTableAsync(fixture, database, 300_000);
        using var temp = new TempDirectory();
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var inserted = 0;
            while (!stopWriting.IsCancellationRequested)
            {
                await fixture.ExecuteAsync(database, "INSERT INTO public.\"CamelCase\" VALUES (1000); INSERT INTO public.cities VALUES ('x', 1);");
                inserted++;
            }

            return inserted;
        });

        // Act
        BackupResult result;
        try
        {
            await Task.Delay(200);
            result = await BackupRunner.RunAsync(BackupTestSupport.Settings(fixture, database, temp.Path));
        }
        finally
        {
            await stopWriting.CancelAsync();
        }

        var inserted = await writer;
        var target = await fixture.CreateDatabaseAsync(seeded: false);
        var restore = await BackupTestSupport.PgRestoreAsync(fixture, "--exit-on-error", "--dbname", target, result.DumpPath);

        // Assert
        restore.Succeeded.Should().BeTrue(restore.StandardError);
        inserted.Should().BeGreaterThan(0);
        var restored = await BackupTestSupport.CountRowsAsync(fixture, target, result.Manifest.Tables!);
        restored.Should().BeEquivalentTo(result.Manifest.Tables!.ToDictionary(t => t.QualifiedName, t => t.Rows));
        result.Manifest.Tables!.Single(t => t.QualifiedName == "public.bulk").Rows.Should().Be(300_000);
    }

    [Fact]
    public async Task Backup_authenticates_with_a_password_file_and_command_line_flags_override_the_environment()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var passFile = temp.Combine("pgpass");
        await File.WriteAllTextAsync(passFile, $"127.0.0.1:{fixture.Server.Port}:*:{fixture.Server.Superuser}:{fixture.Password}\n");
        File.SetUnixFileMode(passFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var env = fixture.CliEnvironment("wrong_database", temp.Combine("env-dir"));
        env.Remove("DB_PASSWORD");
        env["PGPASSFILE"] = passFile;
        var backupDir = temp.Combine("flag-dir");

        // Act
        var run = await CliRunner.RunAsync(env, "backup", "--backup-dir", backupDir, "--dbname", database);

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("backup written: " + backupDir).And.Contain("10 tables").And.Contain("rows");
        run.AllOutput.Should().NotContain(fixture.Password);
        Directory.Exists(temp.Combine("env-dir")).Should().BeFalse();
        Directory.GetFiles(backupDir, "backup_*.dump").Should().ContainSingle();
    }
}
