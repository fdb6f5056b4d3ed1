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
        // backup to deletion (a symlink is never a backup at all, see BackupRule).
        var newest = entries
            .Where(e => e.Kind == BackupKind.Regular)
            .OrderByDescending(e => e.TakenAt)
            .Take(options.MinBackups)
            .ToHashSet();
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
            string? keepReason =
                entry.Kind == BackupKind.PreRestore ? "pre-restore safety backup, never pruned"
                : protectedNames.Contains(entry.FileName) ? "protected"
                // Exactly RetentionDays old is still kept: only strictly older backups go.
                : age <= limit ? $"age {ageText} <= {Days(options.RetentionDays)}"
                : newest.Contains(entry) ? $"one of the newest {options.MinBackups} backups (age {ageText})"
                : null;

            if (keepReason is null)
            {
                delete.Add(new RetentionDecision(entry, age, $"age {ageText} > {Days(options.RetentionDays)}"));
            }
            else
            {
                keep.Add(new RetentionDecision(entry, age, keepReason));
            }
        }

        return (keep, delete, ignored);
    }

    private static string Days(int days) => days.ToString(CultureInfo.InvariantCulture) + " d";
}
