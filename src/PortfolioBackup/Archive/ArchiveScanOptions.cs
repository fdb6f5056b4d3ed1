namespace PortfolioBackup.Archive;

/// <summary>How to read an archive in <see cref="ArchiveReader.ScanAsync(string, ArchiveScanOptions, CancellationToken)"/>.</summary>
public sealed record ArchiveScanOptions
{
    /// <summary>
    /// Data blocks decompressed at once. Above 1, an archive written to a file (data offsets set) is read by that many
    /// workers, each seeking to its blocks; an archive written to a pipe is always read in order by one.
    /// </summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Also compute the file's SHA-256 (<see cref="ArchiveScan.Sha256"/>) while the archive is read.</summary>
    public bool ComputeSha256 { get; init; }

    /// <summary>
    /// Reads on a dedicated thread at the lowest CPU priority (Linux nice 19), so a scan running beside a restore only
    /// takes the cores the restore leaves idle; ignored with parallel workers and where the priority cannot be set.
    /// </summary>
    public bool LowPriority { get; init; }
}
