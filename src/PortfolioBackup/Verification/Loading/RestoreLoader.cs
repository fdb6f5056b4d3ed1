namespace PortfolioBackup.Verification.Loading;

/// <summary>How the full tier loads a dump into its throwaway database.</summary>
public enum RestoreLoader
{
    /// <summary>The target's own <c>pg_restore -j N</c> does everything (the production path).</summary>
    PgRestore,

    /// <summary>
    /// Schema and indexes by <c>pg_restore</c>; plain COPY table data streamed from the archive over N connections, one
    /// big table's rows cut between rows and loaded on every connection; every other data entry by <c>pg_restore</c>.
    /// </summary>
    Parallel,
}

/// <summary>Sizes of the parallel loader (tests shrink them to cut every table; the defaults come from the benchmark).</summary>
internal sealed record LoaderTuning
{
    /// <summary>Bytes of COPY rows per chunk sent to one connection (cut at the last row end inside it).</summary>
    public int ChunkBytes { get; init; } = 1024 * 1024;

    /// <summary>Tables with at least this much COPY data are cut into chunks; smaller ones go whole on one connection.</summary>
    public long SplitBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Chunks waiting per connection; the loader holds (connections × (this + 1) + 2) chunk buffers, its bound on memory.</summary>
    public int QueuedChunksPerConnection { get; init; } = 2;

    /// <summary>Whole tables are loaded after a TRUNCATE in the same transaction, so a wal_level=minimal server skips their WAL.</summary>
    public bool TruncateWholeTables { get; init; } = true;
}
