namespace PortfolioBackup.Backup;

/// <summary>A finished backup: the dump, its manifest and how long it took.</summary>
public sealed record BackupResult(string DumpPath, BackupManifest Manifest, TimeSpan Duration)
{
    /// <summary>What was backed up, as found: "host:port/db as user", or "db in container NAME (compose service db) as user".</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>Temporary files of earlier, interrupted backups that this run removed while holding the lock (full paths).</summary>
    public IReadOnlyList<string> RemovedLeftovers { get; init; } = [];

    /// <summary>The manifest's path beside the dump.</summary>
    public string ManifestPath => BackupFileName.ManifestPathFor(DumpPath);

    /// <summary>The dump's size in bytes.</summary>
    public long SizeBytes => Manifest.SizeBytes;

    /// <summary>Lower-case hex SHA-256 of the dump.</summary>
    public string Sha256 => Manifest.Sha256;

    /// <summary>How many physical tables were counted (0 when counting was off).</summary>
    public int Tables => Manifest.Tables?.Count ?? 0;

    /// <summary>The total of every table's exact row count, or null when counting was off.</summary>
    public long? TotalRows => Manifest.Tables?.Sum(t => t.Rows);
}
