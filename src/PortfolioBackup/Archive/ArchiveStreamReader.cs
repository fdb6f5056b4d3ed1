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

    public int ReadByte()
    {
        var value = Stream.ReadByte();
        if (value < 0)
        {
            throw new EndOfStreamException("the archive ends early");
        }

        Position++;
        return value;
    }

    public void ReadExactly(Span<byte> buffer)
    {
        Stream.ReadExactly(buffer);
        Position += buffer.Length;
    }

    public int ReadInt()
    {
        var negative = ReadByte() != 0;
        long value = 0;
        for (var i = 0; i < IntSize; i++)
        {
            value |= (long)ReadByte() << (8 * i);
        }

        return checked((int)(negative ? -value : value));
    }

    /// <summary>Reads an offset; returns the flag byte (K_OFFSET_POS_SET, K_OFFSET_POS_NOT_SET, K_OFFSET_NO_DATA) and the value.</summary>
    public (int Flag, long Value) ReadOffset()
    {
        var flag = ReadByte();
        long value = 0;
        for (var i = 0; i < OffsetSize; i++)
        {
            var b = (long)ReadByte();
            if (i < 8)
            {
                value |= b << (8 * i);
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
