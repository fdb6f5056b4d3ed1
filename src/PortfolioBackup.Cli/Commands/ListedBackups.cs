using System.Globalization;
using PortfolioBackup.Catalog;
using PortfolioBackup.Retention;

namespace PortfolioBackup.Cli.Commands;

/// <summary>One row of <c>list</c>: a catalog entry, the verdict on its exact bytes and what retention does with it.</summary>
/// <param name="Entry">The backup, in the folder or the bucket.</param>
/// <param name="Verdict">The newest verdict on these bytes (name and SHA-256), trusted first; null when none saw them.</param>
/// <param name="VerdictOnOtherBytes">Whether verdicts name the file but none saw its bytes as they are now.</param>
/// <param name="Retention">Whether the prune of its folder or bucket keeps it or would delete it, and why.</param>
internal sealed record ListedBackup(BackupEntry Entry, JudgedVerdict? Verdict, bool VerdictOnOtherBytes, (RetentionOutcome Outcome, RetentionDecision Decision) Retention);

/// <summary>The rows of <c>list</c> and their table, the same for the folder and the bucket.</summary>
internal static class ListedBackups
{
    /// <summary>
    /// Joins each entry with the verdict on its bytes (a local file with a verdict is hashed; a bucket object's SHA-256 is
    /// recorded) and with the retention plan of its folder or bucket, the one every prune follows.
    /// </summary>
    public static async Task<IReadOnlyList<ListedBackup>> OfAsync(
        IReadOnlyList<BackupEntry> entries, VerdictBook verdicts, RetentionOptions retention, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var plan = await RetentionPlan.CreateAsync(entries, verdicts, retention, now, cancellationToken);
        var rows = new List<ListedBackup>();
        foreach (var entry in entries)
        {
            var decision = plan.For(entry) ?? throw new InvalidOperationException($"retention planned nothing for {entry.FileName}");
            if (!verdicts.Names(entry.FileName) || entry.IsSymlink)
            {
                rows.Add(new ListedBackup(entry, null, false, decision));
                continue;
            }

            var verdict = verdicts.LastOn(entry.FileName, await VerdictBook.ActualSha256Async(entry, cancellationToken));
            rows.Add(new ListedBackup(entry, verdict, verdict is null, decision));
        }

        return rows;
    }

    public static async Task WriteTableAsync(TextWriter output, string location, IReadOnlyList<ListedBackup> rows, DateTimeOffset now)
    {
        if (rows.Count == 0)
        {
            await output.WriteLineAsync($"no backups in {location} yet (looking for backup_YYYYMMDD_HHMMSS.dump and pre-restore_YYYYMMDD_HHMMSS.dump, each optionally .age-encrypted)");
            return;
        }

        var bucket = rows[0].Entry.Location == BackupLocation.Bucket;
        string[] header = [bucket ? "BUCKET FILE" : "FILE", "AGE", "SIZE", "MANIFEST", "KIND", "LAST VERIFICATION", "RETENTION"];
        var cells = rows
            .Select(r => new[]
            {
                r.Entry.FileName,
                BackupAge.Format(r.Entry.AgeAt(now)),
                ByteSize.Format(r.Entry.SizeBytes),
                r.Entry.HasManifest ? "yes" : "no",
                r.Entry.CountsAt(now) ? KindText(r.Entry.Kind) + (r.Entry.IsSymlink ? " (symlink)" : "") : "ignored",
                VerdictText(r),
                RetentionText(r.Retention.Outcome, r.Retention.Decision),
            })
            .ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Max(r => r[i].Length))).ToArray();
        foreach (var row in cells.Prepend(header))
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
        }

        foreach (var row in rows.Where(r => !r.Entry.CountsAt(now)))
        {
            await output.WriteLineAsync($"ignored: {row.Entry.FileName} ({row.Entry.IgnoredReasonAt(now)}); not counted as a backup, never deleted");
        }

        // The summary counts what counts as a backup; files only named like one are said apart.
        var counted = rows.Where(r => r.Entry.CountsAt(now)).ToList();
        var total = counted.Sum(r => r.Entry.SizeBytes);
        var count = counted.Count == 1 ? "1 backup" : counted.Count.ToString(CultureInfo.InvariantCulture) + " backups";
        var ignored = rows.Count - counted.Count;
        await output.WriteLineAsync($"{count}, {ByteSize.Format(total)} in {location}{(ignored == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"; {ignored} more named like backups, ignored"))}");
    }

    /// <summary>"healthy 2026-12-02 03:15 UTC", "UNHEALTHY …", "healthy … (not trusted: unsigned)", "verdict on other bytes …" or "never verified".</summary>
    public static string VerdictText(ListedBackup row)
    {
        if (row.Verdict is not { } verdict)
        {
            return row.VerdictOnOtherBytes ? "none on these bytes (changed since its verification)" : "never verified";
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"{(verdict.Entry.Healthy ? "healthy" : "UNHEALTHY")} {verdict.Entry.VerifiedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        return verdict.Trusted ? text : $"{text} (not trusted: {VerdictTrust.Describe(verdict.Standing, verdict.Entry)})";
    }

    /// <summary>"keep: daily 2026-12-05; weekly 2026-W49", "keep: newest verified", "delete: age 20 d > 14 d" or "ignored: never deleted".</summary>
    public static string RetentionText(RetentionOutcome outcome, RetentionDecision decision) => outcome switch
    {
        RetentionOutcome.Keep => "keep: " + decision.Reason,
        RetentionOutcome.Delete => "delete: " + decision.Reason,

        // The reason already printed below the table; the column only says what retention does.
        _ => "ignored: never deleted",
    };

    public static string KindText(BackupKind kind) => kind == BackupKind.PreRestore ? "pre-restore" : "regular";
}
