using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Backup;

/// <summary>The backup job: one lock across backup, verification and prune; odd files and leftovers in the folder.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupJobTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task An_empty_future_dated_file_never_makes_backup_delete_the_backup_it_just_wrote()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var future = temp.Combine("backup_20991231_235959.dump");
        await File.WriteAllTextAsync(future, "");
        var env = fixture.CliEnvironment(database, temp.Path);
        env["RETENTION_DAYS"] = "0";
        env["MIN_BACKUPS"] = "1";

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        var written = run.Output.Split('\n').Single(l => l.StartsWith("backup written: ", StringComparison.Ordinal))["backup written: ".Length..].Trim();
        File.Exists(written).Should().BeTrue("the backup just written is the newest real backup");
        File.Exists(future).Should().BeTrue();
        run.Output.Should().Contain("ignored: backup_20991231_235959.dump (empty file)");
    }

    [Fact]
    public async Task A_retention_too_large_for_date_arithmetic_is_refused_before_any_dump()
    {
        // Arrange
        using var temp = new TempDirectory();
        var env = fixture.CliEnvironment("portfolio", temp.Path);
        env["RETENTION_DAYS"] = "2147483647";

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("RETENTION_DAYS=2147483647 is out of range");
        BackupTestSupport.BackupArtifacts(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Leftover_partial_files_of_a_killed_backup_are_removed_and_reported()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var leftover = temp.Combine(".backup_20240101_000000.dump.partial");
        var foreign = temp.Combine(".notes.partial");
        await File.WriteAllTextAsync(leftover, "PGDMP half written");
        await File.WriteAllTextAsync(foreign, "not ours");

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, temp.Path), "backup");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        File.Exists(leftover).Should().BeFalse();
        File.Exists(foreign).Should().BeTrue("only our own temporary names are removed");
        run.Output.Should().Contain($"removed {leftover}, left by an interrupted backup");
    }

    [Fact]
    public async Task Backup_verification_and_prune_run_under_one_held_lock()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var settings = BackupTestSupport.Settings(fixture, database, temp.Path) with { RetentionDays = 0, MinBackups = 1 };
        var lockedDuringVerification = false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        // Act
        var result = await BackupJob.RunAsync(
            new BackupJobOptions
            {
                Backup = new BackupOptions { Settings = settings },
                Verify = (dumpPath, _) =>
                {
                    var act = () => BackupDirectoryLock.Acquire(temp.Path, "prune");
                    lockedDuringVerification = act.Should().Throw<BackupDirectoryLockedException>().Which.Message.Contains("back up by pid", StringComparison.Ordinal);
                    return Task.FromResult(File.Exists(dumpPath));
                },
            },
            timeout.Token);

        // Assert
        lockedDuringVerification.Should().BeTrue("no other run can prune between the backup and its verification");
        result.Verified.Should().BeTrue();
        result.Retention!.Kept.Should().ContainSingle(d => d.Backup.Path == result.Backup.DumpPath);
        using var free = BackupDirectoryLock.Acquire(temp.Path, "prune");
    }

    [Fact]
    public async Task A_failed_verification_skips_the_prune()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var old = temp.Combine(BackupFileName.For(DateTimeOffset.UtcNow.AddDays(-30)));
        await File.WriteAllTextAsync(old, "PGDMP old");
        var settings = BackupTestSupport.Settings(fixture, database, temp.Path) with { RetentionDays = 0, MinBackups = 1 };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        // Act
        var result = await BackupJob.RunAsync(
            new BackupJobOptions { Backup = new BackupOptions { Settings = settings }, Verify = (_, _) => Task.FromResult(false) },
            timeout.Token);

        // Assert
        result.Succeeded.Should().BeFalse();
        result.Retention.Should().BeNull();
        File.Exists(old).Should().BeTrue();
    }
}
