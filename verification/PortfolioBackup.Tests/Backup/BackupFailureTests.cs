using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Backup;

/// <summary>Every way a backup can fail, caused for real, leaves no backup file and says what to do.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupFailureTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Backup_without_BACKUP_DIR_exits_2_with_help_and_creates_nothing()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var env = fixture.CliEnvironment(database, temp.Combine("unused"));
        env.Remove("BACKUP_DIR");

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("BACKUP_DIR").And.Contain("BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/backup_db.sh").And.Contain("doppler run");
        Directory.GetFileSystemEntries(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Bad_RETENTION_DAYS_and_bad_DB_PORT_are_reported_together()
    {
        // Arrange
        using var temp = new TempDirectory();
        var env = fixture.CliEnvironment("portfolio", temp.Combine("backups"));
        env["RETENTION_DAYS"] = "two weeks";
        env["DB_PORT"] = "99999";

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("RETENTION_DAYS='two weeks'").And.Contain("DB_PORT=99999").And.Contain("1 to 65535");
        Directory.Exists(temp.Combine("backups")).Should().BeFalse();
    }

    [Fact]
    public async Task Backup_of_unreachable_server_exits_1_and_leaves_no_file()
    {
        // Arrange
        using var temp = new TempDirectory();
        var env = fixture.CliEnvironment("portfolio", temp.Path);
        env["DB_PORT"] = LoopbackPorts.Closed().ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(1);
        run.Error.Should().Contain($"cannot connect to 127.0.0.1:{env["DB_PORT"]}/portfolio as {fixture.Server.Superuser}");
        run.AllOutput.Should().NotContain(fixture.Password);
        BackupTestSupport.BackupArtifacts(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Backup_with_a_wrong_password_exits_1_and_never_prints_a_password()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var env = fixture.CliEnvironment(database, temp.Path);
        var wrongPassword = "wrong-" + Guid.NewGuid().ToString("N")[..10];
        env["DB_PASSWORD"] = wrongPassword;

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(1);
        run.Error.Should().Contain("refused to authenticate").And.Contain(database).And.Contain("DB_PASSWORD");
        run.AllOutput.Should().NotContain(wrongPassword).And.NotContain(fixture.Password);
        BackupTestSupport.BackupArtifacts(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Cancelling_while_pg_dump_runs_kills_it_and_leaves_no_backup()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await BackupTestSupport.AddBulkTableAsync(fixture, database, 400_000);
        using var temp = new TempDirectory();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var options = new BackupOptions
        {
            Settings = BackupTestSupport.Settings(fixture, database, temp.Path) with { CountRows = false },
            Progress = phase =>
            {
                if (phase.StartsWith("dumping", StringComparison.Ordinal))
                {
                    cancellation.CancelAfter(TimeSpan.FromMilliseconds(300));
                }
            },
        };

        // Act
        var act = () => BackupRunner.RunAsync(options, cancellation.Token);

        // Assert
        await act.Should().ThrowAsync<OperationCanceledException>();
        BackupTestSupport.BackupArtifacts(temp.Path).Should().BeEmpty();
        (await PgDumpSessionsGoneAsync(database)).Should().BeTrue("the killed pg_dump's server session ends once its socket closes");
    }

    [Fact]
    public async Task Backup_onto_a_full_disk_exits_1_keeps_the_older_backup_and_leaves_no_new_file()
    {
        // Arrange: a 1 MiB tmpfs holding one real older backup, and a database whose dump cannot fit.
        var small = await fixture.CreateDatabaseAsync();
        using var staging = new TempDirectory();
        var older = await BackupRunner.RunAsync(BackupTestSupport.Settings(fixture, small, staging.Path));
        var database = await fixture.CreateDatabaseAsync();
        await BackupTestSupport.AddBulkTableAsync(fixture, database, 200_000);
        using var temp = new TempDirectory();
        var disk = temp.Combine("disk");
        Directory.CreateDirectory(disk);
        await Mount(disk);
        try
        {
            var olderCopy = Path.Combine(disk, "backup_20200101_000000.dump");
            File.Copy(older.DumpPath, olderCopy);
            var olderHash = BackupTestSupport.Sha256Of(olderCopy);

            // Act
            var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, disk), "backup");

            // Assert
            run.ExitCode.Should().Be(1);
            run.Error.Should().Contain("No space left on device").And.Contain("disk").And.Contain("full");
            run.AllOutput.Should().NotContain(fixture.Password);
            BackupTestSupport.Sha256Of(olderCopy).Should().Be(olderHash);
            BackupTestSupport.BackupArtifacts(disk).Should().BeEquivalentTo("backup_20200101_000000.dump");
        }
        finally
        {
            await Unmount(disk);
        }
    }

    [Fact]
    public async Task Backup_while_another_run_holds_the_folder_lock_fails_clearly()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        using var held = BackupDirectoryLock.Acquire(temp.Path, "prune");

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, temp.Path), "backup");

        // Assert
        run.ExitCode.Should().Be(1);
        run.Error.Should().Contain("cannot back up").And.Contain("is locked by another run").And.Contain("prune by pid");
        BackupTestSupport.BackupArtifacts(temp.Path).Should().BeEmpty();
    }

    private async Task<bool> PgDumpSessionsGoneAsync(string database)
    {
        // The server notices the dead client on its next write: a bounded poll, not a fixed sleep.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var sessions = await fixture.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND application_name = 'pg_dump'");
            if (sessions == 0)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static async Task Mount(string directory)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await PortfolioBackup.Tools.ToolRunner.RunAsync(
            new PortfolioBackup.Tools.ToolInvocation("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", directory]), timeout.Token);
        result.Succeeded.Should().BeTrue($"the test mounts a tmpfs (needs root): {result.StandardError}");
    }

    private static async Task Unmount(string directory)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await PortfolioBackup.Tools.ToolRunner.RunAsync(new PortfolioBackup.Tools.ToolInvocation("umount", [directory]), timeout.Token);
    }
}
