using System.IO.Compression;
using K4os.Compression.LZ4.Streams;

namespace PortfolioBackup.Archive;

/// <summary>
/// Opens the decompressed data of one TOC entry straight at its offset (archives written to a file), so a loader can
/// stream one table's COPY rows without reading the blocks before it. The stream owns its file handle.
/// </summary>
internal static class TableDataReader
{
    /// <summary>The entry's data, decompressed as it is read; the block header is checked against the entry first.</summary>
    public static Stream Open(string path, ArchiveHeader header, TocEntry entry)
    {
        if (entry.DataState != DataOffsetState.Set)
        {
            throw new InvalidOperationException($"the archive does not record where the data of {entry.Desc} {entry.QualifiedName} starts");
        }

        var file = ArchiveReader.OpenFile(path);
        try
        {
            file.Seek(entry.DataOffset, SeekOrigin.Begin);
            var reader = new ArchiveStreamReader(file) { IntSize = header.IntSize, OffsetSize = header.OffsetSize };
            var type = reader.ReadByte();
            var id = reader.ReadInt();
            if (type != ArchiveReader.BlockData || id != entry.DumpId)
            {
                throw new InvalidDataException($"the data block at byte {entry.DataOffset} is of type {type} for dump id {id}, not the data of dump id {entry.DumpId}");
            }

            var chunks = new DataChunkStream(reader);
            if (chunks.IsEmpty())
            {
                file.Dispose();
                return Stream.Null;
            }

            Stream data = header.Compression switch
            {
                ArchiveCompression.None => chunks,
                ArchiveCompression.Gzip => new ZLibStream(chunks, CompressionMode.Decompress, leaveOpen: true),
                ArchiveCompression.Lz4 => LZ4Stream.Decode(chunks, extraMemory: 0, leaveOpen: true),
                ArchiveCompression.Zstd => new ZstdSharp.DecompressionStream(chunks, leaveOpen: true),
                _ => throw new InvalidDataException($"unknown compression algorithm {(int)header.Compression}"),
            };
            return new OwningStream(data, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads the decompressor and closes the file with it.</summary>
    private sealed class OwningStream(Stream inner, FileStream file) : Stream
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
                inner.Dispose();
                file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
