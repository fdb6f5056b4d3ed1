using Npgsql;

namespace PortfolioBackup.Verification.Checks;

/// <summary>The few ways the database checks talk to a restored database.</summary>
internal static class Sql
{
    /// <summary>Runs a query and maps every row.</summary>
    public static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>Builds a statement with <c>format(…, @name)</c> on the server and runs it: identifiers are quoted by PostgreSQL, never by us.</summary>
    public static async Task ExecuteFormattedAsync(NpgsqlConnection connection, string formatSql, string name, CancellationToken cancellationToken)
    {
        await using var format = new NpgsqlCommand(formatSql, connection);
        format.Parameters.AddWithValue("name", name);
        var statement = (string)(await format.ExecuteScalarAsync(cancellationToken))!;
        await using var command = new NpgsqlCommand(statement, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The first error line of a tool's stderr without the tool's prefix, or a sentence when it printed nothing.</summary>
    public static string FirstError(string tool, string stderr, int exitCode)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.FirstOrDefault(l => l.Contains("error:", StringComparison.OrdinalIgnoreCase)) ?? lines.FirstOrDefault();
        var prefix = tool + ": ";
        return line is null
            ? $"{tool} exited with code {exitCode} and printed nothing"
            : line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : line;
    }
}
