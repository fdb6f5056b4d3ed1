namespace PortfolioBackup.Archive;

/// <summary>How the data blocks of a custom-format archive are compressed (pg_compress_algorithm in PostgreSQL's source).</summary>
public enum ArchiveCompression
{
    /// <summary>Stored as written.</summary>
    None = 0,

    /// <summary>zlib/gzip (every archive version).</summary>
    Gzip = 1,

    /// <summary>LZ4 frames (archive 1.15+, pg_dump 16+).</summary>
    Lz4 = 2,

    /// <summary>Zstandard (archive 1.15+, pg_dump 16+).</summary>
    Zstd = 3,
}
