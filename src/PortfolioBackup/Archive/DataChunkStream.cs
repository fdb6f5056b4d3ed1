namespace PortfolioBackup.Archive;

/// <summary>
/// The compressed bytes of one data block as a read-only stream: the archive stores them as chunks, each an int length
/// followed by that many bytes, and a zero length ends the block (pg_backup_custom.c _CustomReadFunc / _skipData).
/// </summary>
internal sealed class DataChunkStream(ArchiveStreamReader reader) : Stream
{
    private int _remainingInChunk;
    private bool _ended;

    /// <summary>True when the chunk framing itself broke (a bad length, the file's end), as opposed to the bytes inside it.</summary>
    public bool Failed { get; private set; }

    /// <summary>Compressed bytes delivered so far.</summary>
    public long CompressedBytes { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => CompressedBytes;
        set => throw new NotSupportedException();
    }

    /// <summary>True when the block has no bytes at all (its first length is zero); reads the first length to know.</summary>
    public bool IsEmpty()
    {
        return !NextChunk();
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || !NextChunk())
        {
            return 0;
        }

        int read;
        try
        {
            read = reader.ReadSome(buffer[..Math.Min(buffer.Length, _remainingInChunk)]);
        }
        catch
        {
            Failed = true;
            throw;
        }

        _remainingInChunk -= read;
        CompressedBytes += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads to the block's end marker, so the archive is positioned at the next block; returns the bytes skipped.</summary>
    public long Drain(Span<byte> scratch)
    {
        long skipped = 0;
        while (NextChunk())
        {
            skipped += _remainingInChunk;
            reader.Skip(_remainingInChunk, scratch);
            CompressedBytes += _remainingInChunk;
            _remainingInChunk = 0;
        }

        return skipped;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool NextChunk()
    {
        while (_remainingInChunk == 0 && !_ended)
        {
            int length;
            try
            {
                length = reader.ReadInt();
            }
            catch
            {
                Failed = true;
                throw;
            }

            if (length < 0)
            {
                Failed = true;
                throw new InvalidDataException($"a data chunk has a negative length ({length})");
            }

            if (length == 0)
            {
                _ended = true;
            }

            _remainingInChunk = length;
        }

        return _remainingInChunk > 0;
    }
}
