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

            var data = ArchiveReader.Decompress(chunks, header.Compression);
            return new ForwardingReadStream(data, data, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
