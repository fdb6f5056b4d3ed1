using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using K4os.Compression.LZ4.Streams;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Archive;

/// <summary>
/// Reads PostgreSQL custom-format archives (<c>pg_dump -Fc</c>) natively: header, table of contents, and every data block
/// streamed and decompressed in order, counting each table's rows. Works on archives written to a file (offsets set) and
/// to a pipe (offsets unset), because it reads sequentially and never seeks.
/// </summary>
public static class ArchiveReader
{
    internal const int BufferSize = 256 * 1024;
    internal const byte BlockData = 1;
    internal const byte BlockBlobs = 3;

    /// <summary>Reads the header and table of contents; throws <see cref="ArchiveUnreadableException"/> when the file is not a readable custom archive.</summary>
    public static async Task<ArchiveToc> ReadTocAsync(string path, CancellationToken cancellationToken = default)
    {
        var probe = await DumpProbe.ProbeAsync(path, cancellationToken);
        if (!probe.IsCustomArchive)
        {
            throw new ArchiveUnreadableException(path, VerdictOf(probe.Kind), probe.Detail);
        }

        await using var stream = OpenFile(path);
        var reader = new ArchiveStreamReader(stream);
        var entriesRead = 0;
        try
        {
            var header = DumpProbe.ReadHeader(reader);
            return ArchiveTocReader.Read(reader, header, n => entriesRead = n);
        }
        catch (EndOfStreamException)
        {
            throw new ArchiveUnreadableException(path, ArchiveVerdict.Incomplete, $"the archive ends inside the table of contents (after {entriesRead} entries, {reader.Position} bytes): the file is truncated");
        }
        catch (InvalidDataException ex)
        {
            throw new ArchiveUnreadableException(path, ArchiveVerdict.Corrupt, $"the table of contents is damaged at byte {reader.Position}: {ex.Message}");
        }
    }

    /// <summary>Reads the whole archive and returns header, TOC, per-table row counts and a verdict; a damaged or truncated file is a verdict, never an exception.</summary>
    public static Task<ArchiveScan> ScanAsync(string path, CancellationToken cancellationToken = default) =>
        ScanAsync(path, new ArchiveScanOptions(), cancellationToken);

    /// <summary>Reads the whole archive as <see cref="ScanAsync(string, CancellationToken)"/> does, with parallel workers and the file's hash when the options ask.</summary>
    public static async Task<ArchiveScan> ScanAsync(string path, ArchiveScanOptions options, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var probe = await DumpProbe.ProbeAsync(path, cancellationToken);
        if (!probe.IsCustomArchive)
        {
            return new ArchiveScan
            {
                Path = path,
                SizeBytes = probe.SizeBytes,
                FileKind = probe.Kind,
                Verdict = VerdictOf(probe.Kind),
                Detail = probe.Detail,
                // Only a regular file is hashed: a FIFO or a device would block or never end.
                Sha256 = options.ComputeSha256 && DumpFile.Check(path) is null ? await FileHash.Sha256Async(path, cancellationToken) : null,
                Duration = stopwatch.Elapsed,
            };
        }

        if (options.Parallelism > 1 && await ParallelArchiveScan.TryScanAsync(path, probe.SizeBytes, options, stopwatch, cancellationToken) is { } parallel)
        {
            return parallel;
        }

        return await RunScanAsync(
            options.LowPriority,
            () =>
            {
                using var file = OpenFile(path);
                using var hash = options.ComputeSha256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
                Stream stream = hash is null ? file : new HashingStream(file, hash);
                var scan = Scan(stream, path, probe.SizeBytes, stopwatch, cancellationToken);
                if (hash is null)
                {
                    return scan;
                }

                // A damaged archive stops the scan early; the hash still covers the whole file.
                stream.CopyTo(Stream.Null, BufferSize);
                return scan with { Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()), Duration = stopwatch.Elapsed };
            },
            cancellationToken);
    }

    private static Task<ArchiveScan> RunScanAsync(bool lowPriority, Func<ArchiveScan> scan, CancellationToken cancellationToken)
    {
        if (!lowPriority || !OperatingSystem.IsLinux())
        {
            return Task.Run(scan, cancellationToken);
        }

        // A thread of its own: a lowered priority cannot be raised again without privileges, so no pool thread gets it.
        var done = new TaskCompletionSource<ArchiveScan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                _ = SetPriority(0, GetThreadId(), 19);
                done.SetResult(scan());
            }
            catch (OperationCanceledException ex)
            {
                done.SetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "archive scan (low priority)",
        };
        thread.Start();
        return done.Task;
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);

    /// <summary>Reads an archive from a stream (a pipe, a socket, a file already open) from its first byte to its end.</summary>
    public static Task<ArchiveScan> ScanAsync(Stream archive, string name, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var size = archive.CanSeek ? archive.Length - archive.Position : -1;
        return Task.Run(() => Scan(new BufferedStream(archive, BufferSize), name, size, stopwatch, cancellationToken), cancellationToken);
    }

    internal static FileStream OpenFile(string path) => DumpFile.OpenRead(path, BufferSize);

    internal static ArchiveVerdict VerdictOf(DumpFileKind kind) => kind switch
    {
        DumpFileKind.Custom => ArchiveVerdict.Complete,
        DumpFileKind.Truncated => ArchiveVerdict.Incomplete,
        DumpFileKind.UnsupportedVersion => ArchiveVerdict.UnsupportedVersion,
        _ => ArchiveVerdict.NotAnArchive,
    };

    private static ArchiveScan Scan(Stream stream, string path, long size, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var reader = new ArchiveStreamReader(stream) { Length = size >= 0 ? size : null };
        var scan = new ScanState(path, size);
        try
        {
            scan.Where = () => $"inside the archive header after {reader.Position} bytes";
            scan.Header = DumpProbe.ReadHeader(reader);
            var entriesRead = 0;
            scan.Where = () => $"inside the table of contents (after {entriesRead} entries, {reader.Position} bytes)";
            scan.Toc = ArchiveTocReader.Read(reader, scan.Header, n => entriesRead = n);
            var problems = ArchiveTocCheck.Find(scan.Toc);
            if (problems.Count > 0)
            {
                return scan.Finish(reader, stopwatch, ArchiveVerdict.Corrupt, ArchiveTocCheck.Describe(problems), problems);
            }

            if (!scan.Header.IsCompressionKnown)
            {
                return scan.Finish(reader, stopwatch, ArchiveVerdict.UnsupportedCompression,
                    $"the data is compressed with algorithm {scan.Header.CompressionName}, which this reader does not know (it knows none, gzip, lz4 and zstd)");
            }

            ReadDataBlocks(reader, scan, cancellationToken);
            var missing = scan.Toc.Entries.Where(e => e.HasData && !scan.SeenBlocks.Contains(e.DumpId)).ToList();
            if (missing.Count > 0)
            {
                var first = missing[0];
                return scan.Finish(reader, stopwatch, ArchiveVerdict.Incomplete,
                    $"the archive ends after {reader.Position} bytes, before the data of {missing.Count} TOC entr{(missing.Count == 1 ? "y" : "ies")} " +
                    $"(first: {first.Desc} {first.QualifiedName}): the file is truncated");
            }

            return scan.Finish(reader, stopwatch, ArchiveVerdict.Complete,
                $"read {scan.Toc.Entries.Count} TOC entries and {scan.SeenBlocks.Count} data blocks ({reader.Position} bytes)");
        }
        catch (ArchiveEndedException ex)
        {
            var why = ex.Message == new ArchiveEndedException().Message ? string.Empty : $" ({ex.Message})";
            return scan.Finish(reader, stopwatch, ArchiveVerdict.Incomplete, $"the archive ends {scan.Where()}: the file is truncated{why}");
        }
        catch (CorruptCompressedDataException ex)
        {
            return scan.Finish(reader, stopwatch, ArchiveVerdict.Corrupt, $"corrupt {ex.Algorithm}-compressed data {scan.Where()}: {ex.Message}");
        }
        catch (EndOfStreamException ex) when (ex is not ArchiveEndedException)
        {
            // The file did not end, so a decompressor ran out of its own input: the compressed bytes are damaged.
            return scan.Finish(reader, stopwatch, ArchiveVerdict.Corrupt, $"the data is damaged {scan.Where()}: {ex.Message}");
        }
        catch (UnsupportedArchiveVersionException ex)
        {
            return scan.Finish(reader, stopwatch, ArchiveVerdict.UnsupportedVersion, ex.Message);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or IOException or OutOfMemoryException or NullReferenceException))
        {
            return scan.Finish(reader, stopwatch, ArchiveVerdict.Corrupt, $"the archive is damaged {scan.Where()}: {ex.Message}");
        }
    }

    private static void ReadDataBlocks(ArchiveStreamReader reader, ScanState scan, CancellationToken cancellationToken)
    {
        var toc = scan.Toc!;
        var byId = new Dictionary<int, TocEntry>();
        foreach (var entry in toc.Entries)
        {
            byId.TryAdd(entry.DumpId, entry);
        }

        var buffer = new byte[BufferSize];
        var compression = toc.Header.Compression;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var blockStart = reader.Position;
            scan.Where = () => $"after {reader.Position} bytes, inside the header of the data block that starts at byte {blockStart}";
            var type = reader.TryReadByte();
            if (type < 0)
            {
                return;
            }

            var id = reader.ReadInt();
            if (!byId.TryGetValue(id, out var entry))
            {
                throw new InvalidDataException($"a data block at byte {blockStart} names dump id {id}, which the table of contents does not list");
            }

            if (!scan.SeenBlocks.Add(id))
            {
                throw new InvalidDataException($"a second data block for {entry.Desc} {entry.QualifiedName} (dump id {id}) starts at byte {blockStart}");
            }

            // pg_dump rewrites the TOC with each block's real position; a different one means the TOC or the data moved.
            if (entry.DataState == DataOffsetState.Set && entry.DataOffset != blockStart && reader.Length is not null)
            {
                throw new InvalidDataException(
                    $"the table of contents says the data of {entry.Desc} {entry.QualifiedName} (dump id {id}) starts at byte {entry.DataOffset}, but its block starts at byte {blockStart}");
            }

            switch (type)
            {
                case BlockData when entry.Desc == "TABLE DATA":
                    ReadTableData(reader, scan, entry, blockStart, compression, buffer, cancellationToken);
                    break;
                case BlockData:
                    scan.Where = () => $"inside the data of {entry.Desc} {entry.QualifiedName} after {reader.Position} bytes";
                    Consume(reader, compression, buffer, null, cancellationToken);
                    break;
                case BlockBlobs:
                    ReadBlobs(reader, scan, entry, compression, buffer, cancellationToken);
                    break;
                default:
                    throw new InvalidDataException($"unknown data block type {type} at byte {blockStart} (dump id {id})");
            }
        }
    }

    private static void ReadTableData(ArchiveStreamReader reader, ScanState scan, TocEntry entry, long blockStart, ArchiveCompression compression, byte[] buffer, CancellationToken cancellationToken)
    {
        var isCopy = !string.IsNullOrWhiteSpace(entry.CopyStatement);
        IRowCounter counter = isCopy ? new CopyRowCounter() : new InsertRowCounter(scan.Toc!.StandardConformingStrings);
        var table = new TableRowCount(entry.Namespace ?? string.Empty, entry.Tag, entry.DumpId, isCopy ? TableDataFormat.Copy : TableDataFormat.Inserts);
        var start = reader.Position;
        long dataBytes = 0;
        scan.Tables.Add(table with { NotCountedReason = "the archive ends or breaks inside this table's data" });
        scan.Where = () => $"inside the data of table {table.QualifiedName} after {reader.Position} bytes (its block starts at byte {blockStart})";
        dataBytes = Consume(reader, compression, buffer, counter, cancellationToken);
        var rows = counter.Finish();
        scan.Tables[^1] = table with
        {
            Rows = rows,
            NotCountedReason = rows is null ? counter.Reason : null,
            DataBytes = dataBytes,
            StoredBytes = reader.Position - start,
        };
    }

    private static void ReadBlobs(ArchiveStreamReader reader, ScanState scan, TocEntry entry, ArchiveCompression compression, byte[] buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            scan.Where = () => $"inside the large objects of {entry.Desc} {entry.QualifiedName} after {reader.Position} bytes";
            var oid = reader.ReadInt();
            if (oid == 0)
            {
                return;
            }

            Consume(reader, compression, buffer, null, cancellationToken);
            scan.Blobs++;
        }
    }

    /// <summary>Decompresses one block as a stream, feeding the counter buffer by buffer; returns the decompressed size.</summary>
    internal static long Consume(ArchiveStreamReader reader, ArchiveCompression compression, byte[] buffer, IRowCounter? counter, CancellationToken cancellationToken)
    {
        var chunks = new DataChunkStream(reader);
        if (chunks.IsEmpty())
        {
            return 0;
        }

        long total = 0;
        try
        {
            using var data = Decompress(chunks, compression);
            int read;
            while ((read = data.Read(buffer)) > 0)
            {
                counter?.Add(buffer.AsSpan(0, read));
                total += read;
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (Exception ex) when (!chunks.Failed && compression != ArchiveCompression.None
                                   && ex is not (ArchiveEndedException or OperationCanceledException or OutOfMemoryException))
        {
            // The chunk framing read fine, so the decompressor rejected its input: .NET's zlib calls every such error
            // "an unsupported compression method", which would send the reader looking in the wrong place.
            throw new CorruptCompressedDataException(compression, chunks.CompressedBytes, ex);
        }

        // A decompressor may stop at its end marker before the block's zero length; step over what is left.
        chunks.Drain(buffer);
        return total;
    }

    /// <summary>One data block's bytes decompressed as they are read; disposing it leaves the chunk stream open.</summary>
    internal static Stream Decompress(DataChunkStream chunks, ArchiveCompression compression) => compression switch
    {
        ArchiveCompression.None => new ForwardingReadStream(chunks),
        ArchiveCompression.Gzip => new ZLibStream(chunks, CompressionMode.Decompress, leaveOpen: true),
        ArchiveCompression.Lz4 => LZ4Stream.Decode(chunks, extraMemory: 0, leaveOpen: true),
        ArchiveCompression.Zstd => new ZstdSharp.DecompressionStream(chunks, leaveOpen: true),
        _ => throw new InvalidDataException($"unknown compression algorithm {(int)compression}"),
    };

    private sealed class ScanState(string path, long size)
    {
        public ArchiveHeader? Header { get; set; }

        public ArchiveToc? Toc { get; set; }

        public List<TableRowCount> Tables { get; } = [];

        public HashSet<int> SeenBlocks { get; } = [];

        public long Blobs { get; set; }

        public Func<string> Where { get; set; } = () => "at its start";

        public ArchiveScan Finish(ArchiveStreamReader reader, Stopwatch stopwatch, ArchiveVerdict verdict, string detail, IReadOnlyList<string>? tocProblems = null) => new()
        {
            TocProblems = tocProblems ?? [],
            Path = path,
            SizeBytes = size >= 0 ? size : reader.Position,
            FileKind = Header is null && verdict == ArchiveVerdict.Incomplete ? DumpFileKind.Truncated : DumpFileKind.Custom,
            Header = Header,
            Toc = Toc,
            Tables = Tables.ToList(),
            Blobs = Blobs,
            BytesRead = reader.Position,
            Verdict = verdict,
            Detail = detail,
            Duration = stopwatch.Elapsed,
        };
    }
}
