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

        if (length > 256 * 1024 * 1024)
        {
            throw new InvalidDataException($"a string of {length} bytes in the archive header or TOC is not plausible");
        }

        var bytes = new byte[length];
        ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }
}
