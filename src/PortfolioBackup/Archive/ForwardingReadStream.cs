namespace PortfolioBackup.Archive;

/// <summary>
/// A read-only view of another stream that disposes only what it is told it owns: with nothing, the uncompressed path
/// shares the decompressors' dispose pattern without closing the chunk stream; a table's data reader owns its file.
/// </summary>
internal sealed class ForwardingReadStream(Stream inner, params IDisposable[] owned) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var resource in owned)
            {
                resource.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
