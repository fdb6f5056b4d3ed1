using System.Threading.Channels;
using Npgsql;
using PortfolioBackup.Archive;

namespace PortfolioBackup.Verification.Loading;

/// <summary>
/// Streams COPY table data from the archive into a database over N connections. A big table is decompressed once and
/// cut at row ends (text COPY ends every row with an unescaped newline) into chunks, each its own COPY on whichever
/// connection is free; small tables go whole, one per connection, several at once. One bounded queue sits between the
/// reader and the connections, so memory stays at a few chunks whatever the dump's size. The first failure stops
/// everything: the reader, every COPY in flight and the queue.
/// </summary>
internal static class ParallelTableLoader
{
    /// <summary>The session state <c>pg_restore</c> sets before loading (pg_backup_archiver.c _doSetFixedOutputState).</summary>
    private const string SessionState =
        "SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0; " +
        "SET standard_conforming_strings = on; SELECT pg_catalog.set_config('search_path', '', false); " +
        "SET check_function_bodies = false; SET xmloption = content; SET client_min_messages = warning; SET row_security = off;";

    private const int WholeTableBufferBytes = 256 * 1024;

    /// <summary>Loads every table; returns null when all rows arrived, else the first failure ("table: server message").</summary>
    public static async Task<string?> LoadAsync(
        string dumpPath, ArchiveHeader header, IReadOnlyList<TableLoad> tables, string connectionString, int connections, LoaderTuning tuning, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var failure = new FirstFailure(stop);
        var queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(Math.Max(1, connections * tuning.QueuedChunksPerConnection))
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // A fixed set of chunk buffers passed round between the reader and the connections: memory stays at this many
        // chunks (plus one oversized row at most per buffer), and the reader waits for a free one instead of allocating.
        var buffers = Channel.CreateUnbounded<byte[]>();
        for (var i = 0; i < (connections * (tuning.QueuedChunksPerConnection + 1)) + 2; i++)
        {
            buffers.Writer.TryWrite(new byte[tuning.ChunkBytes]);
        }

        var names = await QuotedNamesAsync(connectionString, tables, stop.Token);
        var workers = Enumerable.Range(0, connections)
            .Select(i => Task.Run(() => WorkAsync(i, connectionString, dumpPath, header, names, queue.Reader, buffers.Writer, tuning, failure, stop.Token), CancellationToken.None))
            .ToList();
        var reader = Task.Run(() => ReadAsync(dumpPath, header, tables, queue.Writer, buffers, tuning, failure, stop.Token), CancellationToken.None);
        await Task.WhenAll([reader, .. workers]);
        cancellationToken.ThrowIfCancellationRequested();
        return failure.Message;
    }

    private static async Task ReadAsync(
        string dumpPath, ArchiveHeader header, IReadOnlyList<TableLoad> tables, ChannelWriter<Work> queue, Channel<byte[]> buffers, LoaderTuning tuning, FirstFailure failure, CancellationToken cancellationToken)
    {
        try
        {
            // Cut tables first (every connection shares them), then the rest largest first, so the last to finish is small.
            foreach (var table in tables.OrderByDescending(t => t.Split).ThenByDescending(t => t.DataBytes))
            {
                if (table.Split)
                {
                    await CutAsync(dumpPath, header, table, queue, buffers, cancellationToken);
                }
                else
                {
                    await queue.WriteAsync(new Work(table, null, 0), cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A connection failed or the run was cancelled; the failure, if any, is already recorded.
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or EndOfStreamException)
        {
            failure.Set($"reading the dump's data failed: {ex.Message}");
        }
        catch
        {
            failure.Stop();
            throw;
        }
        finally
        {
            queue.TryComplete();
        }
    }

    /// <summary>
    /// Sends one table as chunks that each end at a row end (a row longer than a chunk makes its buffer longer). Each chunk
    /// is its own COPY, so pg_dump's end marker (the line <c>\.</c> and two empty lines) must not reach the server: one
    /// chunk is held back until the next is cut, and the marker is taken off the last two at the end.
    /// </summary>
    private static async Task CutAsync(string dumpPath, ArchiveHeader header, TableLoad table, ChannelWriter<Work> queue, Channel<byte[]> free, CancellationToken cancellationToken)
    {
        using var data = TableDataReader.Open(dumpPath, header, table.Entry);
        var buffers = free.Reader;
        var buffer = await buffers.ReadAsync(cancellationToken);
        Work? held = null;
        var filled = 0;
        while (true)
        {
            var ended = false;
            while (filled < buffer.Length)
            {
                var read = data.Read(buffer, filled, buffer.Length - filled);
                if (read == 0)
                {
                    ended = true;
                    break;
                }

                filled += read;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (ended)
            {
                var sent = WithoutEndMarker(held, new Work(table, buffer, filled));
                foreach (var unsent in new[] { held?.Chunk, buffer }.Where(b => b is not null && sent.All(w => w.Chunk != b)))
                {
                    free.Writer.TryWrite(unsent!);
                }

                foreach (var last in sent)
                {
                    await queue.WriteAsync(last, cancellationToken);
                }

                return;
            }

            var cut = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n');
            if (cut < 0)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
                continue;
            }

            var rest = filled - (cut + 1);
            var next = await buffers.ReadAsync(cancellationToken);
            if (next.Length < rest * 2)
            {
                // The bigger array takes the pooled one's place, so as many buffers circulate as before.
                Array.Resize(ref next, rest * 2);
            }

            buffer.AsSpan(cut + 1, rest).CopyTo(next);
            if (held is not null)
            {
                await queue.WriteAsync(held, cancellationToken);
            }

            held = new Work(table, buffer, cut + 1);
            buffer = next;
            filled = rest;
        }
    }

    /// <summary>
    /// The last chunks without pg_dump's end marker: everything from a line <c>\.</c> on, when only newlines follow it.
    /// The held chunk always ends at a newline, so the marker line starts either inside the last piece or at the end of the held one.
    /// </summary>
    internal static IReadOnlyList<Work> WithoutEndMarker(Work? held, Work last)
    {
        var tail = last.Chunk!.AsSpan(0, last.Length);
        var content = tail.TrimEnd((byte)'\n');
        if (content.Length > 0)
        {
            var marker = content.EndsWith("\\."u8) && (content.Length == 2 || content[^3] == '\n');
            var length = marker ? content.Length - 2 : last.Length;
            return new[] { held, length > 0 ? last with { Length = length } : null }.OfType<Work>().ToList();
        }

        if (held is not null)
        {
            var previous = held.Chunk!.AsSpan(0, held.Length).TrimEnd((byte)'\n');
            if (previous.EndsWith("\\."u8) && (previous.Length == 2 || previous[^3] == '\n'))
            {
                // The marker line ends the held chunk; the last piece holds only the empty lines after it.
                return previous.Length > 2 ? [held with { Length = previous.Length - 2 }] : [];
            }
        }

        return new[] { held, last.Length > 0 ? last : null }.OfType<Work>().ToList();
    }

    private static async Task WorkAsync(
        int index, string connectionString, string dumpPath, ArchiveHeader header, IReadOnlyDictionary<int, string> names,
        ChannelReader<Work> queue, ChannelWriter<byte[]> buffers, LoaderTuning tuning, FirstFailure failure, CancellationToken cancellationToken)
    {
        TableLoad? current = null;
        try
        {
            await using var connection = await OpenAsync(connectionString, $"portfolio-backup loader {index + 1}", cancellationToken);
            await foreach (var work in queue.ReadAllAsync(cancellationToken))
            {
                current = work.Table;
                if (work.Chunk is { } chunk)
                {
                    try
                    {
                        await CopyAsync(connection, work.Table, (stream, token) => stream.WriteAsync(chunk.AsMemory(0, work.Length), token).AsTask(), cancellationToken);
                    }
                    finally
                    {
                        buffers.TryWrite(chunk);
                    }
                }
                else
                {
                    await LoadWholeAsync(connection, dumpPath, header, work.Table, names[work.Table.Entry.DumpId], tuning, cancellationToken);
                }

                current = null;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the first failure elsewhere or by the caller.
        }
        catch (PostgresException ex)
        {
            failure.Set($"{current?.Table.ToString() ?? "connecting"}: {ex.MessageText}{(ex.Where is { Length: > 0 } where ? $" ({where})" : string.Empty)}");
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidDataException or TimeoutException)
        {
            failure.Set($"{current?.Table.ToString() ?? "connecting"}: {ex.Message}");
        }
        catch
        {
            // A bug, not a verdict: stop the others before it surfaces, so nothing waits on a queue no one reads.
            failure.Stop();
            throw;
        }
    }

    /// <summary>
    /// A table loaded whole on one connection, after a TRUNCATE in the same transaction: on a wal_level=minimal server the
    /// rows then skip the WAL, as <c>pg_restore -j</c> does for the tables it created.
    /// </summary>
    private static async Task LoadWholeAsync(
        NpgsqlConnection connection, string dumpPath, ArchiveHeader header, TableLoad table, string quoted, LoaderTuning tuning, CancellationToken cancellationToken)
    {
        using var data = TableDataReader.Open(dumpPath, header, table.Entry);
        var buffer = new byte[WholeTableBufferBytes];
        var first = data.Read(buffer);
        if (first == 0)
        {
            return;
        }

        await using var transaction = tuning.TruncateWholeTables ? await connection.BeginTransactionAsync(cancellationToken) : null;
        if (transaction is not null)
        {
            await using var truncate = new NpgsqlCommand($"TRUNCATE TABLE ONLY {quoted}", connection, transaction);
            await truncate.ExecuteNonQueryAsync(cancellationToken);
        }

        await CopyAsync(
            connection,
            table,
            async (stream, token) =>
            {
                var read = first;
                while (read > 0)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, read), token);
                    token.ThrowIfCancellationRequested();
                    read = data.Read(buffer);
                }
            },
            cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>One COPY FROM STDIN; on any failure while sending, the COPY is cancelled rather than committed.</summary>
    private static async Task CopyAsync(NpgsqlConnection connection, TableLoad table, Func<Stream, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var writer = (NpgsqlCopyTextWriter)await connection.BeginTextImportAsync(table.CopyStatement, cancellationToken);
        try
        {
            // The rows are already COPY text in the dump's bytes: they go to the raw stream, never through an encoder.
            await send(writer.BaseStream, cancellationToken);
        }
        catch
        {
            try
            {
                await writer.CancelAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException)
            {
                // The connection is gone or already broken: nothing is loading on it any more.
            }

            throw;
        }

        // Disposing ends the COPY; the server's verdict on the rows arrives here.
        await writer.DisposeAsync();
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, string applicationName, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = applicationName };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var state = new NpgsqlCommand(SessionState, connection);
            await state.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every table's name quoted by the server itself (format('%I.%I')), in one round trip.</summary>
    private static async Task<IReadOnlyDictionary<int, string>> QuotedNamesAsync(string connectionString, IReadOnlyList<TableLoad> tables, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(connectionString, "portfolio-backup loader", cancellationToken);
        await using var command = new NpgsqlCommand("SELECT format('%I.%I', s, t) FROM unnest(@s::text[], @t::text[]) WITH ORDINALITY AS u(s, t, i) ORDER BY i", connection);
        command.Parameters.AddWithValue("s", tables.Select(t => t.Table.Schema).ToArray());
        command.Parameters.AddWithValue("t", tables.Select(t => t.Table.Name).ToArray());
        var names = new Dictionary<int, string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; await reader.ReadAsync(cancellationToken); i++)
        {
            names[tables[i].Entry.DumpId] = reader.GetString(0);
        }

        return names;
    }

    /// <summary>A table to load whole (<see cref="Chunk"/> null) or one chunk of rows of a cut table.</summary>
    internal sealed record Work(TableLoad Table, byte[]? Chunk, int Length);

    /// <summary>Keeps the first failure and stops everything else.</summary>
    private sealed class FirstFailure(CancellationTokenSource stop)
    {
        private string? _message;

        public string? Message => Volatile.Read(ref _message);

        public void Set(string message)
        {
            Interlocked.CompareExchange(ref _message, message, null);
            Stop();
        }

        public void Stop() => stop.Cancel();
    }
}
