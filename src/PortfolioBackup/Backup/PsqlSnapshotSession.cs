using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using PortfolioBackup.Configuration;
using PortfolioBackup.Containers;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Backup;

/// <summary>
/// The snapshot session inside a container (see <see cref="ISnapshotSession"/>): the container's own psql, over its own
/// socket, kept open through <c>docker exec --interactive</c> while pg_dump dumps the exported snapshot beside it. The host
/// needs no PostgreSQL client and no published port. Every query answers one JSON array per row, so names holding any
/// character read back exactly; the SQL is the host session's own.
/// </summary>
internal sealed class PsqlSnapshotSession : ISnapshotSession
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource<Stream> _stdin = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _kill = new();
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly string _describe;
    private Task<ToolResult> _psql = Task.FromResult(new ToolResult(0, string.Empty, string.Empty, TimeSpan.Zero));

    private PsqlSnapshotSession(string describe) => _describe = describe;

    public string Snapshot { get; private set; } = string.Empty;

    public string ServerVersion { get; private set; } = string.Empty;

    public int ServerMajorVersion { get; private set; }

    /// <summary>Starts psql in the container, opens the read-only repeatable-read transaction and exports its snapshot.</summary>
    public static async Task<PsqlSnapshotSession> OpenAsync(string container, ConnectionSettings connection, string describe, string? execUser, CancellationToken cancellationToken)
    {
        var session = new PsqlSnapshotSession(describe);
        var invocation = ContainerExec.Invocation(
            container,
            connection,
            "psql",
            // --no-password: without one, psql would read the first line of SQL from stdin as the password.
            ["--no-psqlrc", "--no-password", "--quiet", "--no-align", "--tuples-only", "--set", "ON_ERROR_STOP=1"],
            interactive: true,
            execUser) with
        {
            StandardInputWriter = session.WriteStdinAsync,
            StandardOutputReader = session.ReadStdoutAsync,
        };
        session._psql = ToolRunner.RunAsync(invocation, session._kill.Token);
        try
        {
            var row = (await session.QueryAsync(
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\n" +
                "SELECT json_build_array(pg_catalog.pg_export_snapshot(), pg_catalog.current_setting('server_version'), pg_catalog.current_setting('server_version_num')::int)::text",
                cancellationToken)).Single();
            session.Snapshot = row[0].GetString()!;
            session.ServerVersion = row[1].GetString()!;
            session.ServerMajorVersion = row[2].GetInt32() / 10000;
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    public async Task<IReadOnlyList<ExtensionVersion>> ReadExtensionsAsync(CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT json_build_array(q.n, q.v)::text FROM ({SnapshotSession.ExtensionsSql}) AS q(n, v) ORDER BY q.n", cancellationToken))
            .Select(r => new ExtensionVersion(r[0].GetString()!, r[1].GetString()!))
            .ToList();

    public async Task<IReadOnlyList<TableRowCount>> CountRowsAsync(CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT json_build_array(q.s, q.n, q.c)::text FROM ({PhysicalTables.CountSql}) AS q(s, n, c) ORDER BY q.s, q.n", cancellationToken))
            .Select(r => new TableRowCount(r[0].GetString()!, r[1].GetString()!, r[2].GetInt64()))
            .ToList();

    public async Task<IReadOnlyList<SequenceState>> ReadSequencesAsync(CancellationToken cancellationToken) =>
        (await QueryAsync(
            $"SELECT json_build_array(q.a, q.b, q.c, q.d, q.e, q.f, q.g, q.h)::text FROM ({SnapshotSession.OwnedSequencesSql}) AS q(a, b, c, d, e, f, g, h) ORDER BY q.a, q.b",
            cancellationToken))
            .Select(r => new SequenceState(
                r[0].GetString()!, r[1].GetString()!, r[2].GetInt64(), r[3].GetBoolean(), r[4].GetString()!, r[5].GetString()!, r[6].GetString()!,
                r[7].ValueKind == JsonValueKind.String && decimal.TryParse(r[7].GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var max) ? max : null))
            .ToList();

    public async ValueTask DisposeAsync()
    {
        // Read-only: ending the session is the rollback; psql ends when its stdin does.
        _done.TrySetResult();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _psql.WaitAsync(grace.Token);
        }
        catch (Exception)
        {
            await _kill.CancelAsync();
            try
            {
                await _psql;
            }
            catch (Exception)
            {
                // Killed on purpose; whatever it said no longer matters.
            }
        }

        _kill.Dispose();
        _oneAtATime.Dispose();
    }

    /// <summary>Runs one statement (after any others given with it) and returns its rows, each a JSON array; a failure names psql's error.</summary>
    private async Task<List<JsonElement[]>> QueryAsync(string sql, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var marker = $"portfolio-backup:{Guid.NewGuid():N}";
            // psql may be gone before it ever read its stdin (no such container user, Docker refused): its exit is the answer.
            await Task.WhenAny(_stdin.Task, _psql).WaitAsync(cancellationToken);
            if (!_stdin.Task.IsCompleted)
            {
                throw new IOException("psql exited before it read any input");
            }

            var stdin = await _stdin.Task;
            await stdin.WriteAsync(Encoding.UTF8.GetBytes($"{sql};\n\\echo {marker}\n"), cancellationToken);
            await stdin.FlushAsync(cancellationToken);
            var rows = new List<JsonElement[]>();
            while (await _lines.Reader.WaitToReadAsync(cancellationToken))
            {
                var line = await _lines.Reader.ReadAsync(cancellationToken);
                if (line == marker)
                {
                    return rows;
                }

                rows.Add(ParseRow(line) ?? throw Failure($"the container answered something that is not psql's: {line}"));
            }

            // psql stopped at an error (ON_ERROR_STOP) or could not connect: its own words say why.
            var result = await _psql;
            var stderr = ToolRunner.Tail(result.StandardError);
            throw Failure(stderr.Length > 0 ? stderr : $"psql exited with code {result.ExitCode} and printed no error");
        }
        catch (IOException ex)
        {
            var result = await _psql;
            throw Failure(ToolRunner.Tail(result.StandardError) is { Length: > 0 } stderr ? stderr : ex.Message);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    // A line that is not one of our JSON rows: Docker's own error (no psql in the container), or anything else.
    private static JsonElement[]? ParseRow(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private BackupFailedException Failure(string reason)
    {
        var authentication = reason.Contains("password authentication failed", StringComparison.OrdinalIgnoreCase)
            || reason.Contains("no password supplied", StringComparison.OrdinalIgnoreCase);
        var advice = authentication
            ? "Set DB_PASSWORD (it travels to the container by environment; password files on the host are not read for a container), or DB_USER to a role the container's local connections trust."
            : reason.Contains("Peer authentication failed", StringComparison.Ordinal)
                ? "The container's local connections use peer authentication: set BACKUP_CONTAINER_USER=postgres (the OS account inside the container) so the tools run as it."
            : reason.Contains("not psql's", StringComparison.Ordinal) || reason.Contains("executable file not found", StringComparison.Ordinal)
                ? "Is this the database's container? Its psql and pg_dump are used; name the right one with BACKUP_COMPOSE_SERVICE or BACKUP_CONTAINER."
            : reason.Contains("does not exist", StringComparison.Ordinal)
                ? "Check DB_NAME and DB_USER: they name the database and role inside the container."
                : "Fix the cause reported above and run the backup again.";
        return new BackupFailedException($"could not open a snapshot of {_describe} with the container's psql: {reason}{Environment.NewLine}No backup file was kept. {advice}", reason);
    }

    private async Task WriteStdinAsync(Stream stdin, CancellationToken cancellationToken)
    {
        _stdin.TrySetResult(stdin);
        await _done.Task.WaitAsync(cancellationToken);
    }

    private async Task ReadStdoutAsync(Stream stdout, CancellationToken cancellationToken)
    {
        try
        {
            using var reader = new StreamReader(stdout, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                await _lines.Writer.WriteAsync(line, cancellationToken);
            }
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }
}
