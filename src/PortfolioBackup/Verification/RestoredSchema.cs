using Npgsql;

namespace PortfolioBackup.Verification;

/// <summary>
/// The shape of a restored database, as lines a person reads and a ledger keeps: <c>table public.images</c>,
/// <c>column public.images.url text not null</c>, <c>extension citext 1.6</c> (identifiers quoted as PostgreSQL quotes them).
/// </summary>
public static class RestoredSchema
{
    private const string Sql = """
        SELECT 'table ' || format('%I.%I', n.nspname, c.relname), NULL
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        UNION ALL
        SELECT 'column ' || format('%I.%I.%I', n.nspname, c.relname, a.attname), format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        UNION ALL
        SELECT 'extension ' || extname, extversion FROM pg_extension
        """;

    /// <summary>Every line of the database's shape, sorted.</summary>
    public static async Task<IReadOnlyList<string>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        await using var command = new NpgsqlCommand(Sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(reader.IsDBNull(1) ? reader.GetString(0) : $"{reader.GetString(0)} {reader.GetString(1)}");
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>
    /// What changed from <paramref name="before"/> to <paramref name="after"/>, one item each: <c>+ public.images.alt_text text</c>,
    /// <c>- public.legacy</c> (a table gone with its columns), <c>~ public.images.caption text → character varying(200)</c>,
    /// <c>~ extension citext 1.6 → 1.7</c>.
    /// </summary>
    public static IReadOnlyList<string> Diff(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var old = Parse(before);
        var now = Parse(after);
        var changes = new List<string>();
        var removedTables = old.Tables.Except(now.Tables).ToHashSet(StringComparer.Ordinal);
        var addedTables = now.Tables.Except(old.Tables).ToHashSet(StringComparer.Ordinal);
        changes.AddRange(addedTables.Order(StringComparer.Ordinal).Select(t => $"+ {t}"));
        changes.AddRange(removedTables.Order(StringComparer.Ordinal).Select(t => $"- {t}"));
        foreach (var key in old.Columns.Keys.Union(now.Columns.Keys).Order(StringComparer.Ordinal))
        {
            var table = key[..key.LastIndexOf('\u0001')];
            var name = key.Replace('\u0001', '.');
            var had = old.Columns.GetValueOrDefault(key);
            var has = now.Columns.GetValueOrDefault(key);
            if (had == has || removedTables.Contains(table) || addedTables.Contains(table))
            {
                continue;
            }

            changes.Add(had is null ? $"+ {name} {has}" : has is null ? $"- {name} {had}" : $"~ {name} {had} → {has}");
        }

        foreach (var extension in old.Extensions.Keys.Union(now.Extensions.Keys).Order(StringComparer.Ordinal))
        {
            var had = old.Extensions.GetValueOrDefault(extension);
            var has = now.Extensions.GetValueOrDefault(extension);
            if (had != has)
            {
                changes.Add(had is null ? $"+ extension {extension} {has}" : has is null ? $"- extension {extension}" : $"~ extension {extension} {had} → {has}");
            }
        }

        return changes;
    }

    private static (HashSet<string> Tables, Dictionary<string, string> Columns, Dictionary<string, string> Extensions) Parse(IReadOnlyList<string> lines)
    {
        var tables = new HashSet<string>(StringComparer.Ordinal);
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        var extensions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var (kind, rest) = line.IndexOf(' ') is > 0 and var space ? (line[..space], line[(space + 1)..]) : (line, string.Empty);
            var (name, value) = SplitName(rest);
            switch (kind)
            {
                case "table":
                    tables.Add(rest);
                    break;
                case "column":
                    // The column's own name is the last dotted part outside quotes: table and column are kept apart by \u0001.
                    var dot = LastDotOutsideQuotes(name);
                    columns[dot < 0 ? name : name[..dot] + '\u0001' + name[(dot + 1)..]] = value;
                    break;
                case "extension":
                    extensions[name] = value;
                    break;
            }
        }

        return (tables, columns, extensions);
    }

    // "public.images.url text not null" → ("public.images.url", "text not null"); quoted names may hold spaces.
    private static (string Name, string Value) SplitName(string text)
    {
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            quoted ^= text[i] == '"';
            if (!quoted && text[i] == ' ')
            {
                return (text[..i], text[(i + 1)..]);
            }
        }

        return (text, string.Empty);
    }

    private static int LastDotOutsideQuotes(string name)
    {
        var quoted = false;
        var last = -1;
        for (var i = 0; i < name.Length; i++)
        {
            quoted ^= name[i] == '"';
            if (!quoted && name[i] == '.')
            {
                last = i;
            }
        }

        return last;
    }
}
