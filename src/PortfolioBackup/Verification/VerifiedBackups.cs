using PortfolioBackup.Backup;
using PortfolioBackup.Retention;

namespace PortfolioBackup.Verification;

/// <summary>A backup in the folder together with the ledger entry that proved it restores.</summary>
/// <param name="Backup">The backup file as the catalog lists it.</param>
/// <param name="Verification">The newest healthy ledger entry for it, whose SHA-256 matches the file as it is now.</param>
public sealed record VerifiedBackup(BackupEntry Backup, LedgerEntry Verification);

/// <summary>Joins the backup catalog with the verification ledger: which backup is proven to restore, and each backup's last verdict.</summary>
public static class VerifiedBackups
{
    /// <summary>
    /// The newest backup whose newest healthy ledger entry still names an existing regular file with the same SHA-256, or null
    /// (no ledger, nothing healthy, or every healthy dump gone or changed since it was verified).
    /// </summary>
    public static async Task<VerifiedBackup?> NewestAsync(string backupDirectory, CancellationToken cancellationToken = default)
    {
        var entries = await BackupCatalog.ListAsync(backupDirectory, cancellationToken);
        var ledger = await VerificationLedger.ReadAsync(ResolvedBackupDirectory.Resolve(backupDirectory).Path, cancellationToken);
        return await NewestAsync(entries, ledger, DateTimeOffset.UtcNow, cancellationToken);
    }

    /// <summary>The file names retention must keep: the newest verified backup's name, or an empty set when there is none.</summary>
    public static async Task<IReadOnlySet<string>> ProtectedFilesAsync(string backupDirectory, CancellationToken cancellationToken = default)
    {
        var newest = await NewestAsync(backupDirectory, cancellationToken);
        return newest is null
            ? new HashSet<string>(StringComparer.Ordinal)
            : new HashSet<string>([newest.Backup.FileName], StringComparer.Ordinal);
    }

    /// <summary>The newest ledger entry (healthy or not) per dump file name, the verdict <c>list</c> shows.</summary>
    public static IReadOnlyDictionary<string, LedgerEntry> LastVerdicts(IEnumerable<LedgerEntry> ledger) =>
        ledger
            .GroupBy(e => e.File, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.VerifiedAt).Last(), StringComparer.Ordinal);

    internal static async Task<VerifiedBackup?> NewestAsync(IReadOnlyList<BackupEntry> entries, IReadOnlyList<LedgerEntry> ledger, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Backups newest first; for each, the healthy entries newest first: the first whose hash still matches wins. A dump
        // replaced after its verification (same name, other bytes) is not proven by the old verdict.
        var healthyByFile = ledger
            .Where(e => e.Healthy && e.Sha256 is not null)
            .GroupBy(e => e.File, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.VerifiedAt).ToList(), StringComparer.Ordinal);
        if (healthyByFile.Count == 0)
        {
            return null;
        }

        // A file dated in the future or not an archive is never "the newest verified", whatever the ledger says.
        foreach (var backup in entries.Where(e => !e.IsSymlink && e.IgnoredReasonAt(now) is null).OrderByDescending(e => e.TakenAt))
        {
            if (!healthyByFile.TryGetValue(backup.FileName, out var candidates))
            {
                continue;
            }

            var actual = await HashAsync(backup.Path, cancellationToken);
            if (actual is null)
            {
                continue;
            }

            var match = candidates.FirstOrDefault(c => string.Equals(c.Sha256, actual, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                return new VerifiedBackup(backup, match);
            }
        }

        return null;
    }

    private static async Task<string?> HashAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await FileHash.Sha256Async(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable or gone since the listing: it cannot be shown to match, so it is not proven.
            return null;
        }
    }
}
