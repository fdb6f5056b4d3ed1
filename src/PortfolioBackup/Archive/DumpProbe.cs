using System.Text;

namespace PortfolioBackup.Archive;

/// <summary>The verdict on what a file is, with the header when it is a custom-format archive; never throws for a bad file.</summary>
public sealed record DumpProbeResult(string Path, DumpFileKind Kind, string Detail, ArchiveHeader? Header, long SizeBytes)
{
    /// <summary>True when the file is a custom-format archive with a complete, supported header.</summary>
    public bool IsCustomArchive => Kind == DumpFileKind.Custom;
}

/// <summary>Tells what a file is (custom archive, plain SQL, tar, directory, empty, truncated, random bytes) by reading its first bytes.</summary>
public static class DumpProbe
{
    /// <summary>Reads the file's header and classifies it.</summary>
    public static async Task<DumpProbeResult> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        if (System.IO.Directory.Exists(path))
        {
            return File.Exists(System.IO.Path.Combine(path, "toc.dat"))
                ? new(path, DumpFileKind.Directory, "a directory-format dump (pg_dump -Fd); this tool works with custom-format dumps (pg_dump -Fc)", null, 0)
                : new(path, DumpFileKind.NotADump, "a directory, not a dump file", null, 0);
        }

        var (stream, kind, detail) = DumpFile.TryOpen(path);
        if (stream is null)
        {
            return new(path, kind, detail, null, 0);
        }

        await using (stream)
        {
            var size = stream.Length;
            if (size == 0)
            {
                return new(path, DumpFileKind.Empty, "the file is empty (0 bytes): the backup that wrote it failed", null, 0);
            }

            var prefix = new byte[Math.Min(size, 4096)];
            await stream.ReadExactlyAsync(prefix, cancellationToken);
            if (prefix.AsSpan().StartsWith(Catalog.BackupRule.CustomFormatMagic))
            {
                stream.Position = 0;
                return ReadHeader(path, stream, size);
            }

            var classified = Classify(prefix);
            return new(path, classified.Kind, classified.Detail, null, size);
        }
    }

    /// <summary>Reads the header from a stream positioned at the archive's first byte.</summary>
    internal static ArchiveHeader ReadHeader(ArchiveStreamReader reader)
    {
        Span<byte> magic = stackalloc byte[Catalog.BackupRule.CustomFormatMagic.Length];
        reader.ReadExactly(magic);
        if (!magic.SequenceEqual(Catalog.BackupRule.CustomFormatMagic))
        {
            throw new InvalidDataException("the file does not start with PGDMP");
        }

        var major = reader.ReadByte();
        var minor = reader.ReadByte();
        var revision = reader.ReadByte();
        var version = new Version(major, minor, revision);
        if (version < ArchiveHeader.OldestSupported || version > ArchiveHeader.NewestSupported)
        {
            throw new UnsupportedArchiveVersionException(version);
        }

        reader.IntSize = reader.ReadByte();
        reader.OffsetSize = reader.ReadByte();
        if (reader.IntSize is < 1 or > 8 || reader.OffsetSize is < 1 or > 16)
        {
            throw new InvalidDataException($"implausible integer sizes in the header (int {reader.IntSize}, offset {reader.OffsetSize})");
        }

        var format = reader.ReadByte();
        if (format != 1)
        {
            throw new InvalidDataException($"archive format code {format} is not the custom format (1)");
        }

        ArchiveCompression compression;
        int? level = null;
        if (version >= new Version(1, 15, 0))
        {
            // An unknown algorithm is kept as its number: pg_restore only warns about it too, and the scan names it in its verdict.
            compression = (ArchiveCompression)reader.ReadByte();
        }
        else
        {
            // Before 1.15 the header held a zlib level: 0 means uncompressed, -1 the default level.
            level = reader.ReadInt();
            compression = level == 0 ? ArchiveCompression.None : ArchiveCompression.Gzip;
        }

        var fields = new int[7];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = reader.ReadInt();
        }

        DateTime? created = null;
        try
        {
            // struct tm: sec, min, hour, mday, mon (0-based), year (since 1900), isdst; pg_dump writes local time.
            created = new DateTime(fields[5] + 1900, fields[4] + 1, fields[3], fields[2], fields[1], fields[0], DateTimeKind.Unspecified);
        }
        catch (ArgumentOutOfRangeException)
        {
        }

        var database = reader.ReadString();
        var serverVersion = reader.ReadString();
        var pgDumpVersion = reader.ReadString();
        return new ArchiveHeader(version, reader.IntSize, reader.OffsetSize, compression, level, created, database, serverVersion, pgDumpVersion, reader.Position);
    }

    private static DumpProbeResult ReadHeader(string path, Stream stream, long size)
    {
        try
        {
            var header = ReadHeader(new ArchiveStreamReader(stream));
            return new(path, DumpFileKind.Custom, $"custom-format archive {header.ArchiveVersion.ToString(3)}, {header.CompressionName} compression", header, size);
        }
        catch (EndOfStreamException ex)
        {
            var why = ex is ArchiveEndedException { Message: var m } && m != new ArchiveEndedException().Message ? $" ({m})" : string.Empty;
            return new(path, DumpFileKind.Truncated, $"the file is truncated: it ends inside the archive header after {size} bytes{why}", null, size);
        }
        catch (UnsupportedArchiveVersionException ex)
        {
            return new(path, DumpFileKind.UnsupportedVersion, ex.Message, null, size);
        }
        catch (InvalidDataException ex)
        {
            return new(path, DumpFileKind.NotADump, $"starts with PGDMP but the header is damaged: {ex.Message}", null, size);
        }
    }

    private static (DumpFileKind Kind, string Detail) Classify(byte[] prefix)
    {
        if (prefix.Length >= 262 && Encoding.ASCII.GetString(prefix, 257, 5) == "ustar")
        {
            return (DumpFileKind.Tar, "a tar-format dump (pg_dump -Ft) or another tar file; this tool works with custom-format dumps (pg_dump -Fc)");
        }

        if (prefix.AsSpan().StartsWith(Catalog.BackupRule.AgeHeader))
        {
            return (DumpFileKind.Encrypted, "an age-encrypted file; set AGE_IDENTITY or AGE_IDENTITY_FILE to read it");
        }

        if (prefix.Length >= 2 && prefix[0] == 0x1f && prefix[1] == 0x8b)
        {
            return (DumpFileKind.NotADump, "a gzip-compressed file (perhaps a plain SQL dump piped through gzip), not a custom-format dump");
        }

        var text = Encoding.UTF8.GetString(prefix);
        if (text.Contains("PostgreSQL database dump", StringComparison.Ordinal)
            || text.TrimStart().StartsWith("--", StringComparison.Ordinal)
            || text.Contains("SET statement_timeout", StringComparison.Ordinal))
        {
            return (DumpFileKind.PlainSql, "a plain SQL dump (pg_dump without -Fc); restore it with psql, or take custom-format dumps with pg_dump -Fc");
        }

        return (DumpFileKind.NotADump, "not a PostgreSQL dump: the file does not start with the custom-format magic PGDMP");
    }
}
