namespace PortfolioBackup.Archive;

/// <summary>The header of a custom-format archive, as <c>ReadHead</c> in PostgreSQL's pg_backup_archiver.c defines it.</summary>
public sealed record ArchiveHeader(
    Version ArchiveVersion,
    int IntSize,
    int OffsetSize,
    ArchiveCompression Compression,
    int? CompressionLevel,
    DateTime? CreatedAt,
    string? DatabaseName,
    string? ServerVersion,
    string? PgDumpVersion,
    long Length)
{
    /// <summary>The oldest archive version this reader accepts (pg_dump 9.0 wrote 1.12).</summary>
    public static readonly Version OldestSupported = new(1, 12, 0);

    /// <summary>The newest archive version this reader knows (pg_dump 17 writes 1.16).</summary>
    public static readonly Version NewestSupported = new(1, 16, 0);

    /// <summary>True when this reader can decompress the archive's data (none, gzip, lz4, zstd).</summary>
    public bool IsCompressionKnown => Enum.IsDefined(Compression);

    /// <summary>The compression algorithm as pg_dump names it, or "unknown (N)" for a number this reader does not know.</summary>
    public string CompressionName => IsCompressionKnown ? Compression.ToString().ToLowerInvariant() : $"unknown ({(int)Compression})";

    /// <summary>The major version of the pg_dump that wrote the archive, parsed from its version string (0 when unknown).</summary>
    public int PgDumpMajor => MajorOf(PgDumpVersion);

    /// <summary>The major version of the server that was dumped (0 when unknown).</summary>
    public int ServerMajor => MajorOf(ServerVersion);

    private static int MajorOf(string? version)
    {
        var digits = new string((version ?? string.Empty).TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, System.Globalization.CultureInfo.InvariantCulture, out var major) ? major : 0;
    }
}
