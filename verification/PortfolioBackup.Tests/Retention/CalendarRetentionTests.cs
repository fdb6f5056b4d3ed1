using System.Globalization;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Retention;

namespace PortfolioBackup.Tests.Retention;

/// <summary>
/// Grandfather-father-son retention (RETENTION_DAILY, RETENTION_WEEKLY, RETENTION_MONTHLY) beside the days, the newest N and
/// the newest verified: a backup is kept when any rule keeps it, the plan never depends on the order of the listing, and
/// every reason says which rule (Docker-free, no disk: the planner alone).
/// </summary>
public sealed class CalendarRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_year_of_daily_backups_pruned_with_daily_7_weekly_4_monthly_12_keeps_exactly_the_expected_set()
    {
        var backups = Enumerable.Range(0, 365).Select(d => Entry(Now.Date.AddDays(-d).AddHours(3))).ToList();
        var options = Options with { RetentionDays = 0, MinBackups = 1, KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 12 };

        var (keep, delete, ignored) = RetentionPlanner.Plan(backups, options, Now);

        // Days 2026-11-29 … 2026-12-05; the Sundays ending ISO weeks 46-48 and the newest of week 49 (today);
        // the last day of each month from 2026-01 to 2026-11, and today for 2026-12.
        string[] expected =
        [
            "2026-12-05", "2026-12-04", "2026-12-03", "2026-12-02", "2026-12-01", "2026-11-30", "2026-11-29",
            "2026-11-22", "2026-11-15",
            "2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30", "2026-05-31", "2026-04-30", "2026-03-31",
            "2026-02-28", "2026-01-31",
        ];
        keep.Select(k => k.Backup.TakenAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Should().BeEquivalentTo(expected);
        delete.Should().HaveCount(365 - expected.Length);
        ignored.Should().BeEmpty();
        Reason(keep, "2026-12-05").Should().Be("one of the newest 1 backups (age 9 h); daily 2026-12-05; weekly 2026-W49; monthly 2026-12");
        Reason(keep, "2026-11-29").Should().Be("daily 2026-11-29; weekly 2026-W48");
        Reason(keep, "2026-11-15").Should().Be("weekly 2026-W46");
        Reason(keep, "2026-01-31").Should().Be("monthly 2026-01");
    }

    [Fact]
    public void The_calendar_rules_agree_with_a_grouping_written_apart_over_generated_histories()
    {
        for (var seed = 1; seed <= 400; seed++)
        {
            var random = new Random(seed);
            var backups = History(random);
            var options = Options with
            {
                RetentionDays = random.Next(0, 30),
                MinBackups = random.Next(1, 5),
                KeepDaily = random.Next(0, 10),
                KeepWeekly = random.Next(0, 6),
                KeepMonthly = random.Next(0, 14),
            };

            var (keep, delete, ignored) = RetentionPlanner.Plan(backups, options, Now);
            var shuffled = RetentionPlanner.Plan(backups.OrderBy(_ => random.Next()).ToList(), options, Now);

            var kept = keep.Select(k => k.Backup.FileName).ToHashSet(StringComparer.Ordinal);
            var because = $"seed {seed}";
            Expected(backups, options).Should().BeSubsetOf(kept, because);
            shuffled.Keep.Select(k => k.Backup.FileName).Should().BeEquivalentTo(kept, because);
            shuffled.Delete.Select(d => d.Backup.FileName).Should().BeEquivalentTo(delete.Select(d => d.Backup.FileName), because);
            keep.Concat(delete).Concat(ignored).Select(d => d.Backup.FileName).Should().OnlyHaveUniqueItems(because).And.HaveCount(backups.Count, because);
            delete.Should().OnlyContain(d => d.Age > TimeSpan.FromDays(options.RetentionDays), because);
            keep.Should().OnlyContain(k => k.Reason.Length > 0, because);
        }
    }

    [Fact]
    public async Task Prune_dry_run_says_which_calendar_rule_keeps_each_backup()
    {
        using var directory = new Fixtures.TempDirectory();
        var folder = new BackupFolder(directory, DateTimeOffset.UtcNow);
        var month = folder.BackupDaysOld(40);
        folder.BackupDaysOld(41);
        folder.BackupDaysOld(1);

        var run = await Fixtures.CliRunner.RunAsync(new Dictionary<string, string?> { ["BACKUP_DIR"] = directory.Path, ["RETENTION_MONTHLY"] = "3" }, "prune", "--dry-run", "--retention-days", "7", "--min-backups", "1");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain($"would keep {Path.GetFileName(month)} (monthly {DateTimeOffset.UtcNow.AddDays(-40):yyyy-MM})")
            .And.Contain("would delete ").And.Contain("retention 7 d, newest 1 always kept, monthly 3");
    }

    /// <summary>The backups each calendar rule keeps, by a grouping written independently of the planner's walk.</summary>
    private static HashSet<string> Expected(IReadOnlyList<BackupEntry> backups, RetentionOptions options)
    {
        IEnumerable<string> Newest(int periods, Func<DateTime, string> period) => backups
            .GroupBy(b => period(b.TakenAt.UtcDateTime))
            .Select(g => g.OrderByDescending(b => b.TakenAt).ThenBy(b => b.FileName, StringComparer.Ordinal).First())
            .OrderByDescending(b => b.TakenAt)
            .Take(periods)
            .Select(b => b.FileName);
        return
        [
            .. Newest(options.KeepDaily, t => t.Date.ToString("O", CultureInfo.InvariantCulture)),
            .. Newest(options.KeepWeekly, t => $"{ISOWeek.GetYear(t)}/{ISOWeek.GetWeekOfYear(t)}"),
            .. Newest(options.KeepMonthly, t => $"{t.Year}/{t.Month}"),
        ];
    }

    // Gaps of days to months, several backups a day, month and year ends, a .dump and a .dump.age of the same second.
    private static List<BackupEntry> History(Random random)
    {
        var entries = new List<BackupEntry>();
        var at = Now.AddMinutes(-random.Next(0, 600));
        while (entries.Count < 120 && at > Now.AddYears(-2))
        {
            entries.Add(Entry(at, encrypted: random.Next(8) == 0));
            if (random.Next(10) == 0)
            {
                entries.Add(Entry(at, encrypted: true));
            }

            at = at.AddMinutes(-(random.Next(1, 5) switch
            {
                1 => random.Next(1, 180),
                2 => random.Next(600, 1_500),
                3 => random.Next(1_440, 20_000),
                _ => random.Next(20_000, 90_000),
            }));
        }

        return entries.DistinctBy(e => e.FileName).ToList();
    }

    private static BackupEntry Entry(DateTimeOffset takenAt, bool encrypted = false)
    {
        var name = BackupFileName.For(takenAt, BackupFileName.BackupPrefix, encrypted);
        BackupFileName.TryParse(name, out var parsed);
        return new BackupEntry("/b/" + name, name, parsed, 100, HasManifest: true, IsSymlink: false, BackupKind.Regular);
    }

    private static string Reason(IEnumerable<RetentionDecision> kept, string date) =>
        kept.Single(k => k.Backup.TakenAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == date).Reason;

    private static RetentionOptions Options => new() { BackupDirectory = "/b" };
}
