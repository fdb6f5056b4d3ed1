namespace PortfolioBackup.Retention;

/// <summary>What a prune may delete: regular backups older than <see cref="RetentionDays"/>, never the newest <see cref="MinBackups"/>.</summary>
public sealed record RetentionOptions
{
    /// <summary>The largest RETENTION_DAYS accepted (100 years); more would overflow date arithmetic and means "keep forever" anyway.</summary>
    public const int MaxRetentionDays = 36_500;

    /// <summary>The folder holding the backups (BACKUP_DIR); a symlinked folder is resolved to its real target.</summary>
    public required string BackupDirectory { get; init; }

    /// <summary>Regular backups whose name is older than this many days are candidates; 0 keeps only the newest <see cref="MinBackups"/>.</summary>
    public int RetentionDays { get; init; } = 14;

    /// <summary>The newest this many regular backups are kept however old they are, so failing backups never erase the last good one.</summary>
    public int MinBackups { get; init; } = 3;

    /// <summary>Also keep the newest backup of each of the newest N days (UTC) that have one (RETENTION_DAILY); 0 turns the rule off.</summary>
    public int KeepDaily { get; init; }

    /// <summary>Also keep the newest backup of each of the newest N ISO weeks that have one (RETENTION_WEEKLY); 0 turns the rule off.</summary>
    public int KeepWeekly { get; init; }

    /// <summary>Also keep the newest backup of each of the newest N months that have one (RETENTION_MONTHLY); 0 turns the rule off.</summary>
    public int KeepMonthly { get; init; }

    /// <summary>The newest verified backup's file name, kept whatever its age (the prune finds it; a caller never needs to).</summary>
    internal string? VerifiedFile { get; init; }

    /// <summary>When true nothing is deleted and no lock is taken; the result lists what would go.</summary>
    public bool DryRun { get; init; }

    /// <summary>The moment ages are measured from; null means the current UTC time (tests pin it).</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>
    /// Further backups never deleted, by file name or path (matched on the file name). The newest verified backup (by the
    /// folder's verification ledger) is always kept without being listed here.
    /// </summary>
    public IReadOnlySet<string> ProtectedFiles { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// The bucket's verdicts (written by the nightly CI job), which count like the folder's own ledger: a backup verified off
    /// the droplet is the newest verified backup here too, when its SHA-256 matches. A real prune records them in the ledger;
    /// when they could not be read, it deletes nothing the folder's ledger alone cannot show is safe to delete.
    /// </summary>
    public Catalog.BucketVerdictsRead BucketVerdicts { get; init; } = Catalog.BucketVerdictsRead.None;

    /// <summary>Which verdicts are believed (VERDICT_TRUSTED_KEYS); every one by default.</summary>
    public Catalog.VerdictTrust Trust { get; init; } = Catalog.VerdictTrust.Anyone;
}
