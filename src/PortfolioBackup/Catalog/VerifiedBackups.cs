using PortfolioBackup.Tools;

namespace PortfolioBackup.Catalog;

/// <summary>A backup together with the verdict that proved it restores.</summary>
/// <param name="Backup">The backup as the catalog lists it (a file or a bucket object).</param>
/// <param name="Verification">The newest trusted healthy verdict on it, whose SHA-256 is the backup's as it is now.</param>
public sealed record VerifiedBackup(BackupEntry Backup, LedgerEntry Verification);

/// <summary>One verdict with how far it can be believed.</summary>
/// <param name="Entry">The verdict as the ledger or the bucket holds it.</param>
/// <param name="Standing">Trusted, or why not.</param>
public sealed record JudgedVerdict(LedgerEntry Entry, VerdictStanding Standing)
{
    /// <summary>Whether the verdict counts.</summary>
    public bool Trusted => Standing == VerdictStanding.Trusted;
}

/// <summary>
/// Every verdict known to a run (the folder's ledger, the bucket's objects, this run's own), each judged by the trust in force.
/// A verdict speaks of one file's exact bytes: it is matched by name and SHA-256, everywhere.
/// </summary>
public sealed class VerdictBook
{
    private readonly ILookup<string, JudgedVerdict> _byFile;

    /// <summary>Judges every verdict with <paramref name="trust"/>.</summary>
    public VerdictBook(IEnumerable<LedgerEntry> verdicts, VerdictTrust trust)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        Trust = trust ?? throw new ArgumentNullException(nameof(trust));
        All = verdicts.Select(v => new JudgedVerdict(v, trust.Judge(v))).OrderBy(v => v.Entry.VerifiedAt).ToList();
        _byFile = All.ToLookup(v => v.Entry.File, StringComparer.Ordinal);
    }

    /// <summary>No verdicts at all.</summary>
    public static VerdictBook Empty { get; } = new([], VerdictTrust.Anyone);

    /// <summary>The trust the verdicts were judged by.</summary>
    public VerdictTrust Trust { get; }

    /// <summary>Every verdict, oldest first.</summary>
    public IReadOnlyList<JudgedVerdict> All { get; }

    /// <summary>The verdicts that count, oldest first.</summary>
    public IReadOnlyList<LedgerEntry> Trusted => All.Where(v => v.Trusted).Select(v => v.Entry).ToList();

    /// <summary>These verdicts and <paramref name="more"/>, judged by the same trust.</summary>
    public VerdictBook With(IEnumerable<LedgerEntry> more) => new(All.Select(v => v.Entry).Concat(more), Trust);

    /// <summary>Whether any verdict names the file, whatever bytes it saw.</summary>
    public bool Names(string fileName) => _byFile.Contains(fileName);

    /// <summary>
    /// The verdict on exactly these bytes (name and SHA-256): the newest trusted one, else the newest untrusted one (for
    /// showing as such); null when none saw these bytes.
    /// </summary>
    public JudgedVerdict? LastOn(string fileName, string? sha256)
    {
        if (sha256 is null)
        {
            return null;
        }

        var matching = _byFile[fileName].Where(v => string.Equals(v.Entry.Sha256, sha256, StringComparison.OrdinalIgnoreCase)).ToList();
        return matching.LastOrDefault(v => v.Trusted) ?? matching.LastOrDefault();
    }

    /// <summary>The newest trusted healthy verdict of a database (any database when null), whatever file it was on.</summary>
    public LedgerEntry? NewestHealthy(string? database) =>
        VerificationLedger.NewestHealthy(Trusted, database);

    /// <summary>
    /// The newest backup that counts at <paramref name="now"/> and has a trusted healthy verdict on its bytes as they are now
    /// (a local file is hashed; a bucket object is what our upload recorded), or null.
    /// </summary>
    public async Task<VerifiedBackup?> NewestVerifiedAsync(IReadOnlyList<BackupEntry> entries, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // Backups newest first; the first whose bytes a trusted healthy verdict saw wins. A dump replaced after its
        // verification (same name, other bytes) is not proven by the old verdict.
        foreach (var backup in entries.Where(e => !e.IsSymlink && e.CountsAt(now)).OrderByDescending(e => e.TakenAt).ThenBy(e => e.FileName, StringComparer.Ordinal))
        {
            var healthy = _byFile[backup.FileName].Where(v => v.Trusted && v.Entry.Healthy && v.Entry.Sha256 is not null).ToList();
            if (healthy.Count == 0)
            {
                continue;
            }

            var actual = await ActualSha256Async(backup, cancellationToken);
            var match = healthy.LastOrDefault(v => string.Equals(v.Entry.Sha256, actual, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                return new VerifiedBackup(backup, match.Entry);
            }
        }

        return null;
    }

    /// <summary>The SHA-256 of a backup as it is now: a local file is read and hashed, a bucket object's is the one recorded with it.</summary>
    public static async Task<string?> ActualSha256Async(BackupEntry backup, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backup);
        if (backup.Location == BackupLocation.Bucket)
        {
            return backup.Sha256;
        }

        try
        {
            return await FileHash.Sha256Async(backup.Path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable or gone since the listing: it cannot be shown to match, so it is not proven.
            return null;
        }
    }
}

/// <summary>Shortcuts over one backup folder and its own ledger, every verdict trusted.</summary>
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
        return await new VerdictBook(ledger, VerdictTrust.Anyone).NewestVerifiedAsync(entries, DateTimeOffset.UtcNow, cancellationToken);
    }

    /// <summary>The file names retention must keep: the newest verified backup's name, or an empty set when there is none.</summary>
    public static async Task<IReadOnlySet<string>> ProtectedFilesAsync(string backupDirectory, CancellationToken cancellationToken = default)
    {
        var newest = await NewestAsync(backupDirectory, cancellationToken);
        return newest is null
            ? new HashSet<string>(StringComparer.Ordinal)
            : new HashSet<string>([newest.Backup.FileName], StringComparer.Ordinal);
    }
}
