using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace PortfolioBackup.Verification;

/// <summary>
/// A table's schema and name, compared exactly (no case folding) and printed as SQL would need them: each part quoted
/// only where it must be, so <c>"a.b".c</c> and <c>a."b.c"</c> stay two tables.
/// </summary>
public readonly record struct TableName(string Schema, string Name) : IComparable<TableName>
{
    // Keywords PostgreSQL reserves as identifiers (its "reserved" category): they must be quoted to name a table.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check", "collate",
        "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time", "current_timestamp",
        "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for",
        "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into", "lateral", "leading", "limit",
        "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
        "returning", "select", "session_user", "some", "symmetric", "system_user", "table", "then", "to", "trailing", "true",
        "union", "unique", "user", "using", "variadic", "when", "where", "window", "with",
    };

    /// <summary>The name as SQL text: <c>schema.name</c>, each part double-quoted when it is not a plain lower-case identifier.</summary>
    public override string ToString() => $"{Quote(Schema)}.{Quote(Name)}";

    /// <summary>Orders by schema, then name, ordinally.</summary>
    public int CompareTo(TableName other)
    {
        var schema = string.CompareOrdinal(Schema, other.Schema);
        return schema != 0 ? schema : string.CompareOrdinal(Name, other.Name);
    }

    /// <summary>One identifier as SQL text, quoted where needed (as PostgreSQL's quote_ident does).</summary>
    public static string Quote(string identifier)
    {
        var plain = identifier.Length > 0
                    && (identifier[0] is >= 'a' and <= 'z' || identifier[0] == '_')
                    && identifier.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '$')
                    && !Reserved.Contains(identifier);
        return plain ? identifier : "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// Reads <c>schema.name</c> where either part may be double-quoted (<c>"a.b".c</c>); unquoted parts are taken as written,
    /// so <c>public.users</c> and what <see cref="ToString"/> printed both read back. False when the text is not exactly two parts.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out TableName? name)
    {
        name = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var parts = new List<string>(2);
        var i = 0;
        while (i <= text.Length)
        {
            if (!TryReadPart(text, ref i, out var part))
            {
                return false;
            }

            parts.Add(part);
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != '.')
            {
                return false;
            }

            i++;
        }

        if (parts.Count != 2 || parts.Any(p => p.Length == 0))
        {
            return false;
        }

        name = new TableName(parts[0], parts[1]);
        return true;
    }

    /// <summary>Like <see cref="TryParse"/>, throwing <see cref="FormatException"/> naming the text.</summary>
    public static TableName Parse(string text) =>
        TryParse(text, out var name) ? name.Value : throw new FormatException($"'{text}' is not a table name of the form schema.table (quote a part that holds a dot: \"my.schema\".table)");

    private static bool TryReadPart(string text, ref int i, out string part)
    {
        part = string.Empty;
        if (i < text.Length && text[i] == '"')
        {
            var builder = new StringBuilder();
            i++;
            while (i < text.Length)
            {
                if (text[i] == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        builder.Append('"');
                        i += 2;
                        continue;
                    }

                    i++;
                    part = builder.ToString();
                    return true;
                }

                builder.Append(text[i++]);
            }

            return false;
        }

        var start = i;
        while (i < text.Length && text[i] != '.' && text[i] != '"')
        {
            i++;
        }

        part = text[start..i];
        return i == text.Length || text[i] == '.';
    }
}
