using System.Text.Json;
using System.Text.RegularExpressions;
using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Retention;

/// <summary><c>list</c> says, per backup, why retention keeps it or would delete it: the plan prune follows (Docker-free).</summary>
public sealed class ListRetentionTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly BackupFolder _folder;

    public ListRetentionTests() =>
        _folder = new BackupFolder(_directory, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public void Dispose() => _directory.Dispose();

    private Dictionary<string, string?> Environment(params (string Name, string Value)[] settings)
    {
        var environment = new Dictionary<string, string?> { ["BACKUP_DIR"] = _folder.Path };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }

    [Fact]
    public async Task List_says_why_each_backup_is_kept_or_would_be_deleted()
    {
        var fresh = _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(20);
        var older = _folder.BackupDaysOld(21);
        var verified = _folder.BackupDaysOld(40);
        await LedgerWriter.VerifiedAsync(verified, healthy: true, _folder.Now.AddDays(-39));
        var safety = _folder.Backup(TimeSpan.FromDays(30), prefix: BackupFileName.PreRestorePrefix);
        var foreign = _folder.Backup(TimeSpan.FromDays(5), withManifest: false);

        var run = await CliRunner.RunAsync(Environment(("MIN_BACKUPS", "1")), "list");

        run.ExitCode.Should().Be(0, run.AllOutput);
        var lines = run.Output.Split('\n');
        lines[0].Should().MatchRegex(@"^FILE\s+AGE\s+SIZE\s+MANIFEST\s+KIND\s+LAST VERIFICATION\s+RETENTION$");
        Line(lines, fresh).Should().EndWith("  keep: age 1 d <= 14 d");
        Line(lines, old).Should().EndWith("  delete: age 20 d > 14 d");
        Line(lines, older).Should().EndWith("  delete: age 21 d > 14 d");
        Line(lines, verified).Should().EndWith("  keep: newest verified");
        Line(lines, safety).Should().EndWith("  keep: pre-restore safety backup, never pruned");
        Line(lines, foreign).Should().EndWith("  ignored: never deleted");
    }

    [Fact]
    public async Task With_calendar_rules_list_gives_each_backup_the_reason_prune_dry_run_gives()
    {
        var backups = new[] { 0.5, 1, 1.5, 5, 9, 16, 35, 70, 100 }.Select(days => _folder.BackupDaysOld(days)).ToList();
        var environment = Environment(("RETENTION_DAYS", "3"), ("MIN_BACKUPS", "1"), ("RETENTION_DAILY", "2"), ("RETENTION_WEEKLY", "3"), ("RETENTION_MONTHLY", "2"));

        var list = await CliRunner.RunAsync(environment, "list");
        var prune = await CliRunner.RunAsync(environment, "prune", "--dry-run");

        list.ExitCode.Should().Be(0, list.AllOutput);
        prune.ExitCode.Should().Be(0, prune.AllOutput);
        var planned = prune.Output.Split('\n')
            .Select(l => Regex.Match(l, @"^would (keep|delete) (\S+) \((.*)\)$"))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[2].Value, m => $"{m.Groups[1].Value}: {m.Groups[3].Value}");
        planned.Keys.Should().BeEquivalentTo(backups.Select(Path.GetFileName));
        planned.Values.Should().Contain(r => r.StartsWith("delete: ", StringComparison.Ordinal)).And.Contain(r => r.Contains("monthly ", StringComparison.Ordinal));
        var lines = list.Output.Split('\n');
        foreach (var backup in backups)
        {
            Line(lines, backup).Should().EndWith("  " + planned[Path.GetFileName(backup)]);
        }
    }

    [Fact]
    public async Task List_json_has_each_backups_retention_decision_and_reason()
    {
        var fresh = _folder.BackupDaysOld(1);
        _folder.BackupDaysOld(20);
        _folder.Backup(TimeSpan.FromDays(5), withManifest: false);

        var run = await CliRunner.RunAsync(Environment(("RETENTION_DAYS", "7"), ("MIN_BACKUPS", "1")), "list", "--json");

        run.ExitCode.Should().Be(0, run.AllOutput);
        using var document = JsonDocument.Parse(run.Output);
        var retention = document.RootElement.EnumerateArray()
            .Select(i => (i.GetProperty("retention").GetProperty("decision").GetString(), i.GetProperty("retention").GetProperty("reason").GetString()))
            .ToList();
        retention.Should().Equal(
            ("keep", "age 1 d <= 7 d"),
            ("ignored", $"ignored: no manifest ({BackupFileName.For(_folder.Now.AddDays(-5))}.manifest.json): not written by portfolio-backup, or its writing did not finish"),
            ("delete", "age 20 d > 7 d"));
        Path.GetFileName(fresh).Should().Be(document.RootElement[0].GetProperty("file").GetString());
    }

    [Fact]
    public async Task An_invalid_retention_setting_makes_list_a_configuration_error()
    {
        _folder.BackupDaysOld(1);

        var run = await CliRunner.RunAsync(Environment(("RETENTION_DAYS", "two weeks"), ("MIN_BACKUPS", "0")), "list");

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("RETENTION_DAYS='two weeks' is not a whole number").And.Contain("MIN_BACKUPS=0 is out of range");
    }

    [Fact]
    public async Task Settings_that_list_does_not_use_cannot_fail_it()
    {
        var fresh = _folder.BackupDaysOld(1);

        var run = await CliRunner.RunAsync(Environment(("BACKUP_AGE_RECIPIENTS", "not-an-age-key"), ("DB_PORT", "none")), "list");

        run.ExitCode.Should().Be(0, run.AllOutput);
        Line(run.Output.Split('\n'), fresh).Should().EndWith("  keep: age 1 d <= 14 d");
    }

    private static string Line(IEnumerable<string> lines, string backup) =>
        lines.Single(l => l.StartsWith(Path.GetFileName(backup) + " ", StringComparison.Ordinal));
}
