using PortfolioBackup.Backup;
using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Retention;

/// <summary>Files only named like backups (future-dated, empty, not an archive, a FIFO, a name with a newline) never cost a real backup (Docker-free).</summary>
public sealed class HostileFolderTests : IDisposable
{
    private const string FutureName = "backup_20991231_235959.dump";

    private readonly TempDirectory _directory = new();
    private readonly BackupFolder _folder;

    public HostileFolderTests() =>
        _folder = new BackupFolder(_directory, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public void Dispose() => _directory.Dispose();

    private Dictionary<string, string?> Environment(string retentionDays = "0", string minBackups = "1") => new()
    {
        ["BACKUP_DIR"] = _folder.Path,
        ["RETENTION_DAYS"] = retentionDays,
        ["MIN_BACKUPS"] = minBackups,
    };

    [Fact]
    public async Task An_empty_future_dated_file_is_ignored_and_the_newest_real_backup_survives_prune()
    {
        // Arrange
        var real = new[] { _folder.BackupDaysOld(1), _folder.BackupDaysOld(2), _folder.BackupDaysOld(3) };
        var future = _folder.Foreign(FutureName, "");

        // Act
        var run = await CliRunner.RunAsync(Environment(), "prune");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        File.Exists(real[0]).Should().BeTrue("the newest real backup is the newest, not the empty file");
        File.Exists(future).Should().BeTrue("a file that is not a backup is never deleted");
        run.Output.Should().Contain($"ignored: {FutureName} (empty file)");
    }

    [Fact]
    public async Task A_future_dated_archive_does_not_take_the_newest_slot()
    {
        // Arrange
        var newestReal = _folder.BackupDaysOld(1);
        _folder.BackupDaysOld(2);
        var future = _folder.Foreign(FutureName, "PGDMP from a machine whose clock is wrong");
        BackupFolder.WriteManifest(future);

        // Act
        var run = await CliRunner.RunAsync(Environment(), "prune");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        File.Exists(newestReal).Should().BeTrue();
        File.Exists(future).Should().BeTrue();
        run.Output.Should().Contain($"ignored: {FutureName} (dated in the future");
    }

    [Fact]
    public async Task A_file_without_the_PGDMP_header_is_ignored_and_kept()
    {
        // Arrange
        var newestReal = _folder.BackupDaysOld(2);
        var garbage = _folder.Foreign(BackupFileName.For(_folder.Now.AddDays(-1)), "<html>not a dump</html>");

        // Act
        var run = await CliRunner.RunAsync(Environment(), "prune");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        File.Exists(newestReal).Should().BeTrue();
        File.Exists(garbage).Should().BeTrue();
        run.Output.Should().Contain("not a custom-format archive");
    }

    [Fact]
    public async Task A_FIFO_named_like_the_newest_backup_is_never_opened_nor_counted()
    {
        // Arrange
        var newestReal = _folder.BackupDaysOld(2);
        var fifo = Path.Combine(_folder.Path, BackupFileName.For(_folder.Now.AddDays(-1)));
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }

        // Act
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var prune = await CliRunner.RunAsync(Environment(), timeout.Token, "prune").WaitAsync(timeout.Token);
        var list = await CliRunner.RunAsync(Environment(), timeout.Token, "list").WaitAsync(timeout.Token);

        // Assert
        prune.ExitCode.Should().Be(0, prune.AllOutput);
        File.Exists(newestReal).Should().BeTrue();
        File.Exists(fifo).Should().BeTrue();
        prune.Output.Should().Contain("(not a regular file)");
        list.Output.Should().Contain($"ignored: {Path.GetFileName(fifo)} (not a regular file)");
    }

    [Fact]
    public async Task A_name_with_a_trailing_newline_is_never_touched()
    {
        // Arrange
        _folder.BackupDaysOld(1);
        var odd = _folder.Foreign(BackupFileName.For(_folder.Now.AddDays(-30)) + "\n", "PGDMP old");

        // Act
        var run = await CliRunner.RunAsync(Environment(), "prune");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        File.Exists(odd).Should().BeTrue("only names that match the pattern exactly are backups");
    }

    [Theory]
    [InlineData("2147483647")]
    [InlineData("36501")]
    public async Task A_retention_that_would_overflow_the_date_arithmetic_is_a_usage_error(string days)
    {
        // Arrange
        var old = _folder.BackupDaysOld(30);

        // Act
        var run = await CliRunner.RunAsync(Environment(retentionDays: days), "prune");

        // Assert
        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain($"RETENTION_DAYS={days} is out of range").And.Contain("36500");
        File.Exists(old).Should().BeTrue();
    }

    [Fact]
    public async Task The_library_pruner_keeps_the_newest_verified_backup_without_being_told()
    {
        // Arrange
        _folder.BackupDaysOld(1);
        var verified = _folder.BackupDaysOld(20);
        await LedgerWriter.VerifiedAsync(verified, healthy: true, _folder.Now.AddDays(-19));

        // Act
        var result = await Pruner.PruneAsync(new RetentionOptions { BackupDirectory = _folder.Path, RetentionDays = 0, MinBackups = 1 });

        // Assert
        File.Exists(verified).Should().BeTrue("the rule lives in the library, not in the CLI");
        result.NewestVerified!.Backup.FileName.Should().Be(Path.GetFileName(verified));
    }

    [Fact]
    public async Task Verify_latest_never_picks_a_future_dated_file_over_the_real_newest()
    {
        // Arrange
        var newestReal = _folder.BackupDaysOld(1);
        _folder.Foreign(FutureName, "PGDMP stray copy");

        // Act
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var run = await CliRunner.RunAsync(new Dictionary<string, string?> { ["BACKUP_DIR"] = _folder.Path }, timeout.Token, "verify", "--latest", "--quick");

        // Assert
        run.AllOutput.Should().Contain(Path.GetFileName(newestReal)).And.NotContain(FutureName + ":");
    }
}
