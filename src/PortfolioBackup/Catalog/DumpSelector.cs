using PortfolioBackup.Backup;

namespace PortfolioBackup.Catalog;

/// <summary>Which dumps of a backup folder a verification run takes, and what it left out.</summary>
/// <param name="Paths">The dumps, oldest first.</param>
/// <param name="Notes">What was left out or judged with a caveat, one line each.</param>
public sealed record DumpSelection(IReadOnlyList<string> Paths, IReadOnlyList<string> Notes);

/// <summary>
/// The one answer to "which dumps does this run verify" for the CLI and the xunit suite alike: every regular backup the
/// catalog lists (a file only named like one is judged too, and its verdict says why it fails), or with <c>latest</c> the
/// catalog's newest backup that counts, the same one <c>status</c> calls the newest.
/// </summary>
public static class DumpSelector
{
    /// <summary>Selects the dumps of <paramref name="backupDirectory"/> at <paramref name="now"/>.</summary>
    public static Task<DumpSelection> SelectAsync(string backupDirectory, bool latest, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Task.FromResult(Select(backupDirectory, latest, now, cancellationToken));

    /// <summary>Selects the dumps of <paramref name="backupDirectory"/> at <paramref name="now"/> (the folder is read synchronously, for test discovery).</summary>
    public static DumpSelection Select(string backupDirectory, bool latest, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var entries = BackupCatalog.List(ResolvedBackupDirectory.Resolve(backupDirectory).Path, cancellationToken);
        var regular = entries.Where(e => e.Kind == BackupKind.Regular).OrderBy(e => e.TakenAt).ThenBy(e => e.FileName, StringComparer.Ordinal).ToList();
        var notes = new List<string>();
        var others = OtherFiles(ResolvedBackupDirectory.Resolve(backupDirectory).Path, entries);
        if (others.Count > 0)
        {
            notes.Add($"ignored {others.Count} file(s) in {backupDirectory} that are not backup_*.dump: {string.Join(", ", others)}");
        }

        if (latest)
        {
            var newest = BackupCatalog.Newest(regular, now);
            var skipped = regular.Where(e => !e.CountsAt(now) && (newest is null || e.TakenAt > newest.TakenAt)).ToList();
            if (skipped.Count > 0)
            {
                notes.Add("newer files named like backups do not count as one: " + string.Join("; ", skipped.Select(e => $"{e.FileName} ({e.IgnoredReasonAt(now)})")));
            }

            return new DumpSelection(newest is null ? [] : [newest.Path], notes);
        }

        foreach (var foreign in regular.Where(e => !e.CountsAt(now)))
        {
            notes.Add($"{foreign.FileName} does not count as a backup ({foreign.IgnoredReasonAt(now)}); verified anyway, never counted or pruned");
        }

        return new DumpSelection(regular.Select(e => e.Path).ToList(), notes);
    }

    private static List<string> OtherFiles(string directory, IReadOnlyList<BackupEntry> entries)
    {
        var listed = entries.Select(e => e.FileName).ToHashSet(StringComparer.Ordinal);
        return Directory.EnumerateFiles(directory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !listed.Contains(name)
                           && !name.EndsWith(BackupFileName.ManifestSuffix, StringComparison.Ordinal)
                           && name != VerificationLedger.FileName
                           && !name.StartsWith(BackupDirectoryLock.FileName, StringComparison.Ordinal)
                           && !name.StartsWith(BackupFileName.PreRestorePrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
