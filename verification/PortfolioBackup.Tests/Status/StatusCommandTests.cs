using System.Text.Json;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Retention;

namespace PortfolioBackup.Tests.Status;

/// <summary><c>portfolio-backup status</c> as a cron monitor or Nagios check runs it: first line, exit codes, JSON (Docker-free).</summary>
public sealed class StatusCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly BackupFolder _folder;

    public StatusCommandTests() =>
        _folder = new BackupFolder(_directory, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public void Dispose() => _directory.Dispose();

    private Dictionary<string, string?> Environment() => new() { ["BACKUP_DIR"] = _folder.Path };

    private static string FirstLine(CliRun run) => run.Output.Split('\n')[0].TrimEnd('\r');

    [Fact]
    public async Task Fresh_verified_backup_is_OK_with_exit_0()
    {
        var backup = _folder.Backup(TimeSpan.FromHours(3));
        await LedgerWriter.VerifiedAsync(backup, healthy: true, _folder.Now.AddHours(-2));

        var run = await CliRunner.RunAsync(Environment(), "status");

        run.ExitCode.Should().Be(0, run.AllOutput);
        FirstLine(run).Should().Be("OK - newest backup 3 h old, newest verified 3 h old");
        run.Output.Should().Contain($"newest verified: {Path.GetFileName(backup)}");
    }

    [Fact]
    public async Task A_backup_taken_seconds_ago_reads_under_1_min_old()
    {
        var backup = _folder.Backup(TimeSpan.Zero);
        await LedgerWriter.VerifiedAsync(backup, healthy: true, _folder.Now);

        var run = await CliRunner.RunAsync(Environment(), "status");

        run.ExitCode.Should().Be(0, run.AllOutput);
        FirstLine(run).Should().Be("OK - newest backup under 1 min old, newest verified under 1 min old");
    }

    [Fact]
    public async Task Empty_folder_is_CRITICAL_with_exit_1()
    {
        var run = await CliRunner.RunAsync(Environment(), "status");

        run.ExitCode.Should().Be(1, run.AllOutput);
        FirstLine(run).Should().StartWith("CRITICAL - no backup_*.dump or backup_*.dump.age in").And.Contain("no verified backup (no verification ledger yet");
    }

    [Fact]
    public async Task Fresh_backup_never_verified_is_CRITICAL()
    {
        _folder.Backup(TimeSpan.FromHours(1));

        var run = await CliRunner.RunAsync(Environment(), "status");

        run.ExitCode.Should().Be(1, run.AllOutput);
        FirstLine(run).Should().Be("CRITICAL - no verified backup (no verification ledger yet; run portfolio-backup verify)");
    }

    [Fact]
    public async Task Old_verified_backup_is_CRITICAL_even_when_a_newer_backup_exists()
    {
        _folder.Backup(TimeSpan.FromHours(2));
        var old = _folder.Backup(TimeSpan.FromHours(50));
        await LedgerWriter.VerifiedAsync(old, healthy: true, _folder.Now.AddHours(-49));

        var run = await CliRunner.RunAsync(Environment(), "status");

        run.ExitCode.Should().Be(1, run.AllOutput);
        FirstLine(run).Should().Be($"CRITICAL - newest verified backup {Path.GetFileName(old)} is 2 d 2 h old (limit 26 h)");
    }

    [Fact]
    public async Task Stale_newest_backup_is_CRITICAL_and_limits_are_options()
    {
        var backup = _folder.Backup(TimeSpan.FromHours(30));
        await LedgerWriter.VerifiedAsync(backup, healthy: true, _folder.Now.AddHours(-29));

        var strict = await CliRunner.RunAsync(Environment(), "status");
        var relaxed = await CliRunner.RunAsync(Environment(), "status", "--max-age-hours", "48", "--max-verified-age-hours", "48");

        strict.ExitCode.Should().Be(1, strict.AllOutput);
        FirstLine(strict).Should().StartWith($"CRITICAL - newest backup {Path.GetFileName(backup)} is 1 d 6 h old (limit 26 h); newest verified backup");
        relaxed.ExitCode.Should().Be(0, relaxed.AllOutput);
        FirstLine(relaxed).Should().Be("OK - newest backup 1 d 6 h old, newest verified 1 d 6 h old");
    }

    [Fact]
    public async Task A_verified_dump_that_changed_since_does_not_count()
    {
        var backup = _folder.Backup(TimeSpan.FromHours(3));
        await LedgerWriter.VerifiedAsync(backup, healthy: true, _folder.Now.AddHours(-2));
        await File.AppendAllTextAsync(backup, "tampered");

        var run = await CliRunner.RunAsync(Environment(), "status");

        run.ExitCode.Should().Be(1, run.AllOutput);
        FirstLine(run).Should().Contain("no verified backup (no healthy verification of a backup that is still there unchanged)");
    }

    [Fact]
    public async Task Json_reports_both_backups_and_the_verdict()
    {
        var backup = _folder.Backup(TimeSpan.FromHours(3));
        var verifiedAt = _folder.Now.AddHours(-2);
        await LedgerWriter.VerifiedAsync(backup, healthy: true, verifiedAt);

        var run = await CliRunner.RunAsync(Environment(), "status", "--json");

        run.ExitCode.Should().Be(0, run.AllOutput);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        root.GetProperty("status").GetString().Should().Be("OK");
        root.GetProperty("ok").GetBoolean().Should().BeTrue();
        root.GetProperty("problems").GetArrayLength().Should().Be(0);
        root.GetProperty("maxAgeHours").GetDouble().Should().Be(26);
        root.GetProperty("newestBackup").GetProperty("file").GetString().Should().Be(Path.GetFileName(backup));
        root.GetProperty("newestBackup").GetProperty("ageSeconds").GetInt64().Should().BeInRange(3 * 3600, 3 * 3600 + 120);
        root.GetProperty("newestVerified").GetProperty("verifiedAt").GetDateTimeOffset().Should().Be(verifiedAt);
    }

    [Fact]
    public async Task Json_without_backups_has_nulls_and_exit_1()
    {
        var run = await CliRunner.RunAsync(Environment(), "status", "--json");

        run.ExitCode.Should().Be(1, run.AllOutput);
        using var json = JsonDocument.Parse(run.Output);
        json.RootElement.GetProperty("status").GetString().Should().Be("CRITICAL");
        json.RootElement.GetProperty("newestBackup").ValueKind.Should().Be(JsonValueKind.Null);
        json.RootElement.GetProperty("newestVerified").ValueKind.Should().Be(JsonValueKind.Null);
        json.RootElement.GetProperty("problems").GetArrayLength().Should().Be(2);
    }

    [Theory]
    [InlineData("--max-age-hours", "0")]
    [InlineData("--max-verified-age-hours", "-3")]
    public async Task Non_positive_limits_are_configuration_errors(string option, string value)
    {
        var run = await CliRunner.RunAsync(Environment(), "status", option, value);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain($"{option} {value} is not a positive number of hours");
    }

    [Fact]
    public async Task Missing_backup_dir_setting_is_a_configuration_error()
    {
        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "status");

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("BACKUP_DIR is not set");
    }

    [Fact]
    public async Task A_vanished_backup_folder_is_CRITICAL()
    {
        var run = await CliRunner.RunAsync(Environment(), "status", "--backup-dir", _directory.Combine("gone"));

        run.ExitCode.Should().Be(1, run.AllOutput);
        FirstLine(run).Should().StartWith("CRITICAL - the backup folder").And.Contain("does not exist");
    }
}
