using System.Text.Json;
using PortfolioBackup.Catalog;
using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Retention;

/// <summary>Retention and <c>list</c> once the verification ledger exists: the newest verified backup survives (Docker-free).</summary>
public sealed class VerifiedRetentionTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly BackupFolder _folder;

    public VerifiedRetentionTests() =>
        _folder = new BackupFolder(_directory, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public void Dispose() => _directory.Dispose();

    private Dictionary<string, string?> Environment() => new() { ["BACKUP_DIR"] = _folder.Path };

    [Fact]
    public async Task Prune_keeps_the_newest_verified_backup_however_old_it_is()
    {
        var recent = new[] { _folder.BackupDaysOld(1), _folder.BackupDaysOld(2), _folder.BackupDaysOld(3) };
        var verified = _folder.BackupDaysOld(30);
        var olderVerified = _folder.BackupDaysOld(40);
        await LedgerWriter.VerifiedAsync(olderVerified, healthy: true, _folder.Now.AddDays(-39));
        await LedgerWriter.VerifiedAsync(verified, healthy: true, _folder.Now.AddDays(-29));
        await LedgerWriter.VerifiedAsync(recent[0], healthy: false, _folder.Now.AddHours(-20));

        var run = await CliRunner.RunAsync(Environment(), "prune");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain($"note: {Path.GetFileName(verified)} is the newest verified backup");
        File.Exists(verified).Should().BeTrue("it is the newest backup proven to restore");
        File.Exists(olderVerified).Should().BeFalse("only the newest verified backup is protected");
        run.Output.Should().Contain($"deleted {Path.GetFileName(olderVerified)}");
        recent.Should().OnlyContain(p => File.Exists(p));
    }

    [Fact]
    public async Task A_verified_backup_changed_since_its_verification_is_not_protected()
    {
        Enumerable.Range(1, 3).ToList().ForEach(d => _folder.BackupDaysOld(d));
        var changed = _folder.BackupDaysOld(30);
        var older = _folder.BackupDaysOld(40);
        await LedgerWriter.VerifiedAsync(older, healthy: true, _folder.Now.AddDays(-39));
        await LedgerWriter.VerifiedAsync(changed, healthy: true, _folder.Now.AddDays(-29));
        // Same size, other bytes: still a backup by its manifest's size, but not the one the verdict saw.
        await using (var file = new FileStream(changed, FileMode.Open, FileAccess.Write))
        {
            file.Position = file.Length - 3;
            await file.WriteAsync("XYZ"u8.ToArray());
        }

        var run = await CliRunner.RunAsync(Environment(), "prune");

        run.ExitCode.Should().Be(0, run.AllOutput);
        File.Exists(changed).Should().BeFalse("its bytes no longer match the verified hash");
        File.Exists(older).Should().BeTrue("it is now the newest backup whose verified hash still matches");
    }

    [Fact]
    public async Task Unhealthy_verdicts_protect_nothing()
    {
        Enumerable.Range(1, 3).ToList().ForEach(d => _folder.BackupDaysOld(d));
        var failed = _folder.BackupDaysOld(30);
        await LedgerWriter.VerifiedAsync(failed, healthy: false, _folder.Now.AddDays(-29));

        var run = await CliRunner.RunAsync(Environment(), "prune");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().NotContain("newest verified backup");
        File.Exists(failed).Should().BeFalse();
    }

    [Fact]
    public async Task Protected_files_for_the_backup_flow_name_the_newest_verified_backup()
    {
        _folder.BackupDaysOld(1);
        var verified = _folder.BackupDaysOld(2);
        await LedgerWriter.VerifiedAsync(verified, healthy: true, _folder.Now.AddDays(-1));

        var protectedFiles = await VerifiedBackups.ProtectedFilesAsync(_folder.Path);
        var result = await Pruner.PruneAsync(new RetentionOptions { BackupDirectory = _folder.Path, RetentionDays = 0, MinBackups = 1, ProtectedFiles = protectedFiles });

        protectedFiles.Should().Equal(Path.GetFileName(verified));
        File.Exists(verified).Should().BeTrue();
        result.Kept.Should().Contain(d => d.Backup.FileName == Path.GetFileName(verified) && d.Reason == "newest verified");
    }

    [Fact]
    public async Task Without_a_ledger_nothing_is_protected()
    {
        _folder.BackupDaysOld(1);

        var protectedFiles = await VerifiedBackups.ProtectedFilesAsync(_folder.Path);

        protectedFiles.Should().BeEmpty();
    }

    [Fact]
    public async Task List_shows_each_backups_last_verdict_in_text()
    {
        var healthy = _folder.BackupDaysOld(1);
        var unhealthy = _folder.BackupDaysOld(2);
        var never = _folder.BackupDaysOld(3);
        await LedgerWriter.VerifiedAsync(unhealthy, healthy: true, new DateTimeOffset(2025, 1, 1, 3, 0, 0, TimeSpan.Zero));
        await LedgerWriter.VerifiedAsync(unhealthy, healthy: false, new DateTimeOffset(2025, 1, 2, 3, 30, 0, TimeSpan.Zero));
        await LedgerWriter.VerifiedAsync(healthy, healthy: true, new DateTimeOffset(2025, 1, 3, 4, 5, 0, TimeSpan.Zero));

        var run = await CliRunner.RunAsync(Environment(), "list");

        run.ExitCode.Should().Be(0, run.AllOutput);
        var lines = run.Output.Split('\n');
        lines[0].Should().Contain("LAST VERIFICATION");
        lines.Single(l => l.StartsWith(Path.GetFileName(healthy), StringComparison.Ordinal)).Should().Contain("  healthy 2025-01-03 04:05 UTC  ").And.EndWith("  keep: newest verified");
        lines.Single(l => l.StartsWith(Path.GetFileName(unhealthy), StringComparison.Ordinal)).Should().Contain("  UNHEALTHY 2025-01-02 03:30 UTC  ", "the newest verdict wins");
        lines.Single(l => l.StartsWith(Path.GetFileName(never), StringComparison.Ordinal)).Should().Contain("  never verified  ");
    }

    [Fact]
    public async Task List_json_has_last_verification_or_null()
    {
        var verified = _folder.BackupDaysOld(1);
        var never = _folder.BackupDaysOld(2);
        var at = new DateTimeOffset(2025, 1, 3, 4, 5, 0, TimeSpan.Zero);
        await LedgerWriter.VerifiedAsync(verified, healthy: false, at);

        var run = await CliRunner.RunAsync(Environment(), "list", "--json");

        run.ExitCode.Should().Be(0, run.AllOutput);
        using var json = JsonDocument.Parse(run.Output);
        var rows = json.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("file").GetString()!);
        var last = rows[Path.GetFileName(verified)].GetProperty("lastVerification");
        last.GetProperty("healthy").GetBoolean().Should().BeFalse();
        last.GetProperty("verifiedAt").GetDateTimeOffset().Should().Be(at);
        rows[Path.GetFileName(never)].GetProperty("lastVerification").ValueKind.Should().Be(JsonValueKind.Null);
    }
}
