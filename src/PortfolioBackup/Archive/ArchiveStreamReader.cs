using System.Text;

namespace PortfolioBackup.Archive;

/// <summary>
/// The archive's primitive encodings (pg_backup_archiver.c ReadInt/ReadOffset/ReadStr): an int is a sign byte then
/// <c>intSize</c> little-endian bytes; a string is an int length (negative for NULL) then the bytes.
/// </summary>
internal sealed class ArchiveStreamReader(Stream stream)
{
    public Stream Stream { get; } = stream;

    public int IntSize { get; set; } = 4;

    public int OffsetSize { get; set; } = 8;

    /// <summary>Bytes the stream holds from where this reader started, when known; lengths read from the archive are checked against it.</summary>
    public long? Length { get; init; } = stream.CanSeek ? stream.Length - stream.Position : null;

    /// <summary>Bytes left after the current position, when the length is known.</summary>
    public long? Remaining => Length - Position;

    /// <summary>Bytes consumed so far (streams that cannot seek do not report a position).</summary>
    public long Position { get; private set; }

    /// <summary>Reads one byte, or returns -1 at the end of the stream (block headers use this to find the end).</summary>
    public int TryReadByte()
    {
        var value = Stream.ReadByte();
        if (value >= 0)
        {
            Position++;
        }

        return value;
    }

    public int ReadByte()
    {
        var value = TryReadByte();
        return value < 0 ? throw new ArchiveEndedException() : value;
    }

    public void ReadExactly(Span<byte> buffer)
    {
        var read = Stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        Position += read;
        if (read < buffer.Length)
        {
            throw new ArchiveEndedException();
        }
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length (at least one byte); throws at the end of the stream.</summary>
    public int ReadSome(Span<byte> buffer)
    {
        var read = Stream.Read(buffer);
        if (read == 0 && buffer.Length > 0)
        {
            throw new ArchiveEndedException();
        }

        Position += read;
        return read;
    }

    /// <summary>Skips bytes without keeping them.</summary>
    public void Skip(long count, Span<byte> scratch)
    {
        while (count > 0)
        {
            count -= ReadSome(scratch[..(int)Math.Min(count, scratch.Length)]);
        }
    }

    private const int MaxString = 0x3fffffff;
    private const int ChunkSize = 1 << 20;

    /// <summary>Reads a long string chunk by chunk, so that memory grows with the bytes really present, not with the claim.</summary>
    private byte[] ReadLong(int length)
    {
        using var collected = new MemoryStream();
        var chunk = new byte[ChunkSize];
        while (collected.Length < length)
        {
            var want = (int)Math.Min(chunk.Length, length - collected.Length);
            ReadExactly(chunk.AsSpan(0, want));
            collected.Write(chunk, 0, want);
        }

        return collected.ToArray();
    }

    public int ReadInt()
    {
        var negative = ReadByte() != 0;
        long value = 0;
        for (var i = 0; i < IntSize; i++)
        {
            var b = (long)ReadByte();
            if (i < 8)
            {
                value |= b << (8 * i);
            }
        }

        // pg_dump writes C ints; anything wider is damage, not data.
        if (value > int.MaxValue)
        {
            throw new InvalidDataException($"an integer in the archive is out of range ({value})");
        }

        return (int)(negative ? -value : value);
    }

    /// <summary>Reads an offset; returns the flag byte (K_OFFSET_POS_SET, K_OFFSET_POS_NOT_SET, K_OFFSET_NO_DATA) and the value.</summary>
    public (int Flag, long Value) ReadOffset()
    {
        var flag = ReadByte();
        if (flag is < 1 or > 3)
        {
            throw new InvalidDataException($"unexpected data offset flag {flag}");
        }

        long value = 0;
        for (var i = 0; i < OffsetSize; i++)
        {
            var b = (long)ReadByte();
            if (i < 8)
            {
                value |= b << (8 * i);
            }
            else if (b != 0)
            {
                throw new InvalidDataException("a file offset in the archive is too large");
            }
        }

        return (flag, value);
    }

    public string? ReadString()
    {
        var length = ReadInt();
        if (length < 0)
        {
            return null;
        }

        // PostgreSQL allocates nothing bigger than MaxAllocSize (1 GB - 1), so no string in a header or TOC is longer.
        if (length > MaxString)
        {
            throw new InvalidDataException($"a string of {length} bytes at byte {Position} is not plausible (PostgreSQL's limit is {MaxString})");
        }

        // A claimed length is believed only as far as the file can hold it: a 158-byte file must not cost 200 MB.
        if (Remaining is { } remaining && length > remaining)
        {
            throw new ArchiveEndedException($"the archive ends inside a string of {length} bytes that starts at byte {Position}, with only {remaining} bytes left");
        }

        var bytes = length <= ChunkSize ? new byte[length] : ReadLong(length);
        if (length <= ChunkSize)
        {
            ReadExactly(bytes);
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
