using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace PortfolioBackup.Tests.Verification;

/// <summary>
/// What a restored database holds, independent of row order: per physical table its exact rows and the sum of the MD5 of
/// every line of <c>COPY (SELECT * FROM ONLY t) TO STDOUT</c> (generated columns included), sequence values, indexes and constraints.
/// </summary>
internal sealed record DatabaseFingerprint(
    IReadOnlyDictionary<string, string> Tables,
    IReadOnlyList<string> Sequences,
    IReadOnlyList<string> Indexes,
    IReadOnlyList<string> Constraints,
    IReadOnlyList<string> LargeObjects)
{
    private const string UserSchemas = "NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";

    public static async Task<DatabaseFingerprint> TakeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var names = await ListAsync(connection, $"""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname {UserSchemas} ORDER BY 1
            """);
        var tables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in names)
        {
            long rows = 0;
            var sum = BigInteger.Zero;
            using (var reader = await connection.BeginTextExportAsync($"COPY (SELECT * FROM ONLY {table}) TO STDOUT"))
            {
                while (await reader.ReadLineAsync() is { } line)
                {
                    rows++;
                    sum += new BigInteger(MD5.HashData(Encoding.UTF8.GetBytes(line)), isUnsigned: true);
                }
            }

            tables[table] = $"{rows} rows, hash {sum}";
        }

        var sequences = await ListAsync(connection, $"""
            SELECT format('%I.%I', schemaname, sequencename) || ' last ' || coalesce(last_value::text, 'not called') || ' start ' || start_value || ' by ' || increment_by
            FROM pg_sequences WHERE schemaname {UserSchemas} ORDER BY 1
            """);
        var indexes = await ListAsync(connection, $"SELECT indexdef FROM pg_indexes WHERE schemaname {UserSchemas} ORDER BY 1");
        var constraints = await ListAsync(connection, $"""
            SELECT c.conrelid::regclass::text || ' ' || c.contypid::regtype::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) || ' validated ' || c.convalidated
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname {UserSchemas} ORDER BY 1
            """);
        var largeObjects = await ListAsync(connection, "SELECT oid::text || ' ' || md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY oid");
        return new DatabaseFingerprint(tables, sequences, indexes, constraints, largeObjects);
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql)
    {
        var rows = new List<string>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
