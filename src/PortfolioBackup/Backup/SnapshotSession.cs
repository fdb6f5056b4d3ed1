using System.Globalization;
using System.Net.Sockets;
using Npgsql;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Backup;

/// <summary>
/// The snapshot session over an Npgsql connection to a server the host reaches (see <see cref="ISnapshotSession"/>).
/// </summary>
internal sealed class SnapshotSession : ISnapshotSession
{
    // query_to_xml runs the per-table count server-side, with the name quoted by format('%I.%I'): no SQL is built in C#.

    // Sequences are not transactional: their state is read as pg_dump reads it (SELECT last_value, is_called FROM seq),
    // so without a nextval in between both see the same values; the column's max is transactional and in the snapshot.
    // Extension members and other sessions' temporary sequences are not dumped (and cannot be read), so they are skipped.
    internal const string OwnedSequencesSql = """
        SELECT sn.nspname, s.relname, v.last_value, v.is_called, tn.nspname, t.relname, a.attname,
               CASE WHEN a.atttypid IN ('pg_catalog.int2'::regtype, 'pg_catalog.int4'::regtype, 'pg_catalog.int8'::regtype, 'pg_catalog.numeric'::regtype)
                    THEN (xpath('/row/m/text()', query_to_xml(format('SELECT max(%I)::numeric AS m FROM %I.%I', a.attname, tn.nspname, t.relname), false, true, '')))[1]::text
               END
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
        JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
        JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        CROSS JOIN LATERAL (
            SELECT (xpath('/row/l/text()', x))[1]::text::bigint AS last_value, (xpath('/row/c/text()', x))[1]::text::boolean AS is_called
            FROM query_to_xml(format('SELECT last_value AS l, is_called AS c FROM %I.%I', sn.nspname, s.relname), false, true, '') AS x) v
        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
          AND sn.nspname <> 'information_schema' AND sn.nspname NOT LIKE 'pg\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = s.oid AND e.deptype = 'e')
        ORDER BY sn.nspname, s.relname
        """;

    internal const string ExtensionsSql = "SELECT extname, extversion FROM pg_catalog.pg_extension ORDER BY extname";

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private SnapshotSession(NpgsqlConnection connection, NpgsqlTransaction transaction, string snapshot, string serverVersion, int serverVersionNumber)
    {
        _connection = connection;
        _transaction = transaction;
        Snapshot = snapshot;
        ServerVersion = serverVersion;
        ServerVersionNumber = serverVersionNumber;
    }

    /// <summary>The exported snapshot id to pass to <c>pg_dump --snapshot</c>.</summary>
    public string Snapshot { get; }

    public string ServerVersion { get; }

    public int ServerVersionNumber { get; }

    public int ServerMajorVersion => ServerVersionNumber / 10000;

    /// <summary>Connects (mapping refusals to clear exceptions) and opens the snapshot transaction.</summary>
    public static async Task<SnapshotSession> OpenAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(settings, cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var command = new NpgsqlCommand(
                "SELECT pg_catalog.pg_export_snapshot(), pg_catalog.current_setting('server_version'), pg_catalog.current_setting('server_version_num')::int",
                connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var session = new SnapshotSession(connection, transaction, reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
            return session;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ExtensionVersion>> ReadExtensionsAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ExtensionsSql, _connection, _transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<ExtensionVersion>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ExtensionVersion(reader.GetString(0), reader.GetString(1)));
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TableRowCount>> CountRowsAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(PhysicalTables.CountSql, _connection, _transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<TableRowCount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new TableRowCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SequenceState>> ReadSequencesAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(OwnedSequencesSql, _connection, _transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<SequenceState>();
        while (await reader.ReadAsync(cancellationToken))
        {
            // A numeric column can exceed decimal's range; its max is then unknown rather than a crash.
            decimal? max = !reader.IsDBNull(7) && decimal.TryParse(reader.GetString(7), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : null;
            result.Add(new SequenceState(
                reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetBoolean(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), max));
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        // Read-only: rolling back and committing are the same; the point is releasing the snapshot promptly.
        try
        {
            await _transaction.DisposeAsync();
        }
        catch (NpgsqlException)
        {
        }

        await _connection.DisposeAsync();
    }

    private static async Task<NpgsqlConnection> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        var secrets = settings.Password is null ? Array.Empty<string>() : [settings.Password];
        var builder = new NpgsqlConnectionStringBuilder(settings.NpgsqlConnectionString()) { CommandTimeout = 0 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            await connection.DisposeAsync();
            throw new DatabaseAuthenticationException(settings.Describe(), ToolRunner.Mask(ex.MessageText, secrets), ex);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException && ex.Message.Contains("password", StringComparison.OrdinalIgnoreCase))
        {
            await connection.DisposeAsync();
            throw new DatabaseAuthenticationException(settings.Describe(), ToolRunner.Mask(ex.Message, secrets), ex);
        }
        catch (NpgsqlException ex)
        {
            await connection.DisposeAsync();
            var reason = ex switch
            {
                PostgresException pg => pg.MessageText,
                { InnerException: SocketException socket } => $"{ex.Message.TrimEnd('.')} ({socket.Message})",
                { InnerException: TimeoutException } => $"{ex.Message.TrimEnd('.')} (timed out)",
                _ => ex.Message,
            };
            throw new DatabaseUnreachableException(settings.Describe(), ToolRunner.Mask(reason, secrets), ex);
        }
        catch (TimeoutException ex)
        {
            await connection.DisposeAsync();
            throw new DatabaseUnreachableException(settings.Describe(), "the connection timed out", ex);
        }
    }
}
