using System.Globalization;
using PortfolioBackup.Catalog;

namespace PortfolioBackup.Retention;

/// <summary>Decides, without touching the disk, which backups a prune deletes; the single place where the retention rules live.</summary>
internal static class RetentionPlanner
{
    public static (IReadOnlyList<RetentionDecision> Keep, IReadOnlyList<RetentionDecision> Delete, IReadOnlyList<RetentionDecision> Ignored) Plan(
        IReadOnlyList<BackupEntry> entries, RetentionOptions options, DateTimeOffset now)
    {
        // A file only named like a backup (empty, not an archive, dated in the future) is neither deleted nor counted:
        // counted, an empty "backup_2099…" would be "the newest" and push every real backup out of MinBackups.
        var ignored = entries
            .Where(e => e.IgnoredReasonAt(now) is not null)
            .Select(e => new RetentionDecision(e, e.AgeAt(now), "ignored: " + e.IgnoredReasonAt(now)))
            .ToList();
        entries = entries.Where(e => e.IgnoredReasonAt(now) is null).ToList();

        // Only regular backups count towards MinBackups: a safety backup must not use up a slot and thereby expose a real
        // backup to deletion (a symlink is never a backup at all, see BackupRule). Name order breaks a tie in time (a
        // .dump and a .dump.age of the same second), so the plan never depends on the order of the listing.
        var regular = entries
            .Where(e => e.Kind == BackupKind.Regular)
            .OrderByDescending(e => e.TakenAt)
            .ThenBy(e => e.FileName, StringComparer.Ordinal)
            .ToList();
        var newest = regular.Take(options.MinBackups).ToHashSet();
        var calendar = CalendarReasons(regular, options);
        var limit = TimeSpan.FromDays(options.RetentionDays);

        // Matched by file name so a protected path written through a symlinked folder still matches; a name that also
        // exists elsewhere can only make retention keep more, never less.
        var protectedNames = options.ProtectedFiles.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);

        var keep = new List<RetentionDecision>();
        var delete = new List<RetentionDecision>();
        foreach (var entry in entries)
        {
            var age = entry.AgeAt(now);
            var ageText = BackupAge.Format(age);
            string? reason =
                entry.Kind == BackupKind.PreRestore ? "pre-restore safety backup, never pruned"
                : entry.FileName == options.VerifiedFile ? "newest verified"
                : protectedNames.Contains(entry.FileName) ? "protected"
                // Exactly RetentionDays old is still kept: only strictly older backups go.
                : age <= limit ? $"age {ageText} <= {Days(options.RetentionDays)}"
                : newest.Contains(entry) ? $"one of the newest {options.MinBackups} backups (age {ageText})"
                : null;
            if (calendar.TryGetValue(entry, out var periods))
            {
                // Every calendar rule that keeps it is named: prune --dry-run shows why a backup outlives the days.
                reason = string.Join("; ", reason is null ? periods : [reason, .. periods]);
            }

            if (reason is null)
            {
                delete.Add(new RetentionDecision(entry, age, $"age {ageText} > {Days(options.RetentionDays)}"));
            }
            else
            {
                keep.Add(new RetentionDecision(entry, age, reason));
            }
        }

        return (keep, delete, ignored);
    }

    /// <summary>
    /// Grandfather-father-son: for each of the newest N days, ISO weeks and months (UTC) that hold a backup, the newest backup
    /// of that period, with why ("daily 2026-12-05", "weekly 2026-W48", "monthly 2026-11").
    /// </summary>
    private static Dictionary<BackupEntry, List<string>> CalendarReasons(IReadOnlyList<BackupEntry> newestFirst, RetentionOptions options)
    {
        var reasons = new Dictionary<BackupEntry, List<string>>();
        Keep(options.KeepDaily, "daily", t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Keep(options.KeepWeekly, "weekly", t => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(t)}-W{ISOWeek.GetWeekOfYear(t):00}"));
        Keep(options.KeepMonthly, "monthly", t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture));
        return reasons;

        void Keep(int periods, string label, Func<DateTime, string> period)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var backup in newestFirst)
            {
                var key = period(backup.TakenAt.UtcDateTime);
                if (seen.Count >= periods && !seen.Contains(key))
                {
                    break;
                }

                // Newest first: the first backup of a period is that period's newest.
                if (seen.Add(key))
                {
                    (reasons.TryGetValue(backup, out var list) ? list : reasons[backup] = []).Add($"{label} {key}");
                }
            }
        }
    }

    private static string Days(int days) => days.ToString(CultureInfo.InvariantCulture) + " d";
}
