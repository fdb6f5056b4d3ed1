namespace PortfolioBackup.Archive;

/// <summary>What a full read of an archive concluded.</summary>
public enum ArchiveVerdict
{
    /// <summary>Header, TOC and every data block read whole and decompressed cleanly.</summary>
    Complete,

    /// <summary>The file ends early (truncated): inside the header, the TOC or a data block, or before some blocks.</summary>
    Incomplete,

    /// <summary>The bytes are damaged: a decompression error, an impossible length or block, an unknown entry.</summary>
    Corrupt,

    /// <summary>The data is compressed with an algorithm this reader does not know.</summary>
    UnsupportedCompression,

    /// <summary>A custom archive of a version this reader does not know.</summary>
    UnsupportedVersion,

    /// <summary>Not a custom-format archive at all (see <see cref="ArchiveScan.FileKind"/>).</summary>
    NotAnArchive,
}

/// <summary>How a table's data is stored in the archive.</summary>
public enum TableDataFormat
{
    /// <summary>COPY text lines (pg_dump's default).</summary>
    Copy,

    /// <summary>INSERT statements (<c>--inserts</c>, <c>--column-inserts</c>, <c>--rows-per-insert</c>).</summary>
    Inserts,
}

/// <summary>The rows one TABLE DATA entry holds.</summary>
public sealed record TableRowCount(string Schema, string Name, int DumpId, TableDataFormat Format)
{
    /// <summary>The exact number of rows, or null when not known (see <see cref="NotCountedReason"/>).</summary>
    public long? Rows { get; init; }

    /// <summary>Why <see cref="Rows"/> is null: the archive ends or breaks inside this table, or its data cannot be counted exactly.</summary>
    public string? NotCountedReason { get; init; }

    /// <summary>Size of the table's data after decompression.</summary>
    public long DataBytes { get; init; }

    /// <summary>Size of the table's data as stored in the archive.</summary>
    public long StoredBytes { get; init; }

    /// <summary>"schema.name".</summary>
    public string QualifiedName => string.IsNullOrEmpty(Schema) ? Name : $"{Schema}.{Name}";
}

/// <summary>The result of reading a whole archive: header, TOC, per-table row counts and a verdict; bad files give a verdict, not an exception.</summary>
public sealed record ArchiveScan
{
    /// <summary>The file read.</summary>
    public required string Path { get; init; }

    /// <summary>The file's size in bytes.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>What the file is (DumpProbe's classification).</summary>
    public required DumpFileKind FileKind { get; init; }

    /// <summary>The header, when it read whole.</summary>
    public ArchiveHeader? Header { get; init; }

    /// <summary>The table of contents, when it read whole.</summary>
    public ArchiveToc? Toc { get; init; }

    /// <summary>The TOC entries (empty when the TOC did not read whole).</summary>
    public IReadOnlyList<TocEntry> Entries => Toc?.Entries ?? [];

    /// <summary>One row count per TABLE DATA block read (or reached), in archive order.</summary>
    public IReadOnlyList<TableRowCount> Tables { get; init; } = [];

    /// <summary>Large objects found in BLOBS blocks.</summary>
    public long Blobs { get; init; }

    /// <summary>Bytes of the file consumed.</summary>
    public long BytesRead { get; init; }

    /// <summary>Where the TOC does not hang together (a dependency on an unlisted entry, a data entry naming another table than its TABLE, a data offset that points elsewhere); any makes the verdict Corrupt.</summary>
    public IReadOnlyList<string> TocProblems { get; init; } = [];

    /// <summary>The verdict.</summary>
    public required ArchiveVerdict Verdict { get; init; }

    /// <summary>One sentence on the verdict: where the archive ends or breaks, or what it is instead.</summary>
    public required string Detail { get; init; }

    /// <summary>Lower-case hex SHA-256 of the whole file, when <see cref="ArchiveScanOptions.ComputeSha256"/> asked for it.</summary>
    public string? Sha256 { get; init; }

    /// <summary>How many data blocks were decompressed at once (1 for an in-order read).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Wall time of the scan.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>True when the verdict is <see cref="ArchiveVerdict.Complete"/>.</summary>
    public bool IsComplete => Verdict == ArchiveVerdict.Complete;

    /// <summary>
    /// Rows per table keyed "schema.name", for tables whose rows were counted exactly. Schema "a.b" table "c" and schema
    /// "a" table "b.c" share a key, so such tables are left out rather than mixed up; verification keys rows by
    /// <c>TableName</c> from <see cref="Tables"/> instead.
    /// </summary>
    public IReadOnlyDictionary<string, long> RowCounts =>
        Tables.Where(t => t.Rows is not null).GroupBy(t => t.QualifiedName, StringComparer.Ordinal).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single().Rows!.Value, StringComparer.Ordinal);
}
