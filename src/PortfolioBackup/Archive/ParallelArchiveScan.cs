using System.Collections.Concurrent;
using System.Diagnostics;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Archive;

/// <summary>
/// Reads an archive written to a file with several workers: the TOC gives every data block's offset, so each worker opens
/// its own stream, seeks to a block and decompresses it, largest blocks first; the hash, when wanted, is one more reader.
/// Only the happy path runs here: anything unexpected (a gap between blocks, an error, a short file) hands the archive to
/// the in-order reader, whose verdict and detail are the authority.
/// </summary>
internal static class ParallelArchiveScan
{
    /// <summary>The scan, or null when the archive must be read in order (pipe-written, unknown compression, or not clean).</summary>
    public static async Task<ArchiveScan?> TryScanAsync(string path, long size, ArchiveScanOptions options, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var toc = ReadToc(path);
        if (toc is null || !toc.Header.IsCompressionKnown || !toc.HasDataOffsets || ArchiveTocCheck.Find(toc).Count > 0)
        {
            return null;
        }

        var blocks = toc.Entries.Where(e => e.HasData).OrderBy(e => e.DataOffset).ToList();
        var ends = new long[blocks.Count];
        for (var i = 0; i < blocks.Count; i++)
        {
            ends[i] = i + 1 < blocks.Count ? blocks[i + 1].DataOffset : size;
        }

        // Blocks must tile the file from the end of the TOC to its last byte, or something is hiding between them.
        var tiled = blocks.Count > 0 && blocks[0].DataOffset == toc.Length && Enumerable.Range(0, blocks.Count).All(i => ends[i] > blocks[i].DataOffset);
        if (!tiled)
        {
            return null;
        }

        var hashTask = options.ComputeSha256 ? Task.Run(() => FileHash.Sha256Async(path, cancellationToken), cancellationToken) : null;
        var results = new BlockResult?[blocks.Count];
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, blocks.Count).OrderByDescending(i => ends[i] - blocks[i].DataOffset));
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, Math.Min(options.Parallelism, blocks.Count))
            .Select(_ => Task.Run(() => Work(path, toc, blocks, queue, results, failed), failed.Token))
            .ToList();
        try
        {
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A worker hit something unexpected and stopped the others.
        }

        cancellationToken.ThrowIfCancellationRequested();
        var clean = results.All(r => r is not null) && Enumerable.Range(0, blocks.Count).All(i => results[i]!.End == ends[i]);
        if (!clean)
        {
            if (hashTask is not null)
            {
                await hashTask;
            }

            return null;
        }

        var tables = results.Select(r => r!.Table).OfType<TableRowCount>().ToList();
        return new ArchiveScan
        {
            Path = path,
            SizeBytes = size,
            FileKind = DumpFileKind.Custom,
            Header = toc.Header,
            Toc = toc,
            Tables = tables,
            Blobs = results.Sum(r => r!.Blobs),
            BytesRead = size,
            Verdict = ArchiveVerdict.Complete,
            Detail = $"read {toc.Entries.Count} TOC entries and {blocks.Count} data blocks ({size} bytes)",
            Sha256 = hashTask is null ? null : await hashTask,
            Parallelism = workers.Count,
            Duration = stopwatch.Elapsed,
        };
    }

    private static ArchiveToc? ReadToc(string path)
    {
        try
        {
            using var stream = ArchiveReader.OpenFile(path);
            var reader = new ArchiveStreamReader(stream);
            var header = DumpProbe.ReadHeader(reader);
            return ArchiveTocReader.Read(reader, header);
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException or UnsupportedArchiveVersionException)
        {
            return null;
        }
    }

    private static void Work(string path, ArchiveToc toc, List<TocEntry> blocks, ConcurrentQueue<int> queue, BlockResult?[] results, CancellationTokenSource failed)
    {
        var buffer = new byte[ArchiveReader.BufferSize];
        using var stream = ArchiveReader.OpenFile(path);
        while (queue.TryDequeue(out var index))
        {
            failed.Token.ThrowIfCancellationRequested();
            var entry = blocks[index];
            try
            {
                stream.Seek(entry.DataOffset, SeekOrigin.Begin);
                var reader = new ArchiveStreamReader(stream) { IntSize = toc.Header.IntSize, OffsetSize = toc.Header.OffsetSize };
                results[index] = ReadBlock(reader, entry, toc, buffer, failed.Token) with { End = entry.DataOffset + reader.Position };
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // The in-order reader will say exactly what is wrong.
                failed.Cancel();
                return;
            }
        }
    }

    private static BlockResult ReadBlock(ArchiveStreamReader reader, TocEntry entry, ArchiveToc toc, byte[] buffer, CancellationToken cancellationToken)
    {
        var type = reader.ReadByte();
        var id = reader.ReadInt();
        if (id != entry.DumpId)
        {
            throw new InvalidDataException($"the block at byte {entry.DataOffset} names dump id {id}, not {entry.DumpId}");
        }

        var start = reader.Position;
        var compression = toc.Header.Compression;
        if (type == ArchiveReader.BlockData && entry.Desc == "TABLE DATA")
        {
            var isCopy = !string.IsNullOrWhiteSpace(entry.CopyStatement);
            IRowCounter counter = isCopy ? new CopyRowCounter() : new InsertRowCounter(toc.StandardConformingStrings);
            var dataBytes = ArchiveReader.Consume(reader, compression, buffer, counter, cancellationToken);
            var rows = counter.Finish();
            var table = new TableRowCount(entry.Namespace ?? string.Empty, entry.Tag, entry.DumpId, isCopy ? TableDataFormat.Copy : TableDataFormat.Inserts)
            {
                Rows = rows,
                NotCountedReason = rows is null ? counter.Reason : null,
                DataBytes = dataBytes,
                StoredBytes = reader.Position - start,
            };
            return new BlockResult(table, 0, 0);
        }

        if (type == ArchiveReader.BlockData)
        {
            ArchiveReader.Consume(reader, compression, buffer, null, cancellationToken);
            return new BlockResult(null, 0, 0);
        }

        if (type != ArchiveReader.BlockBlobs)
        {
            throw new InvalidDataException($"unknown data block type {type}");
        }

        long blobs = 0;
        while (reader.ReadInt() != 0)
        {
            ArchiveReader.Consume(reader, compression, buffer, null, cancellationToken);
            blobs++;
        }

        return new BlockResult(null, blobs, 0);
    }

    private sealed record BlockResult(TableRowCount? Table, long Blobs, long End);
}
