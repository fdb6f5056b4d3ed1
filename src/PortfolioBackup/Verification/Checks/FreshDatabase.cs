using System.Text.RegularExpressions;
using Npgsql;
using PortfolioBackup.Archive;

namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// How a dump goes into a database that was just created (the verifier's throwaway one, a restore's new target): plain
/// <c>pg_restore</c>, never <c>--clean</c>, whose <c>DROP … IF EXISTS</c> still names the object it drops from (a domain's
/// separately dumped NOT VALID constraint: <c>ALTER DOMAIN d DROP CONSTRAINT IF EXISTS c</c> fails when the domain does not
/// exist yet). A dump that creates the schema <c>public</c> itself (<c>pg_dump -n public</c>, PostgreSQL 15 on) gets a
/// database without it, so its <c>CREATE SCHEMA public</c> does not collide with the empty one every new database has.
/// </summary>
internal static partial class FreshDatabase
{
    /// <summary>The pg_restore options for a fresh database (production's roles and grants do not exist there).</summary>
    public static readonly IReadOnlyList<string> RestoreOptions = ["--no-owner", "--no-privileges"];

    /// <summary>
    /// The options for a fresh database on a throwaway server, which has none of production's tablespaces either (cluster
    /// objects, like roles): the tables go to its default one.
    /// </summary>
    public static readonly IReadOnlyList<string> ThrowawayRestoreOptions = [.. RestoreOptions, "--no-tablespaces"];

    /// <summary>Run in the fresh database before the restore when <see cref="CreatesPublicSchema(IEnumerable{TocEntry})"/>; fails if anything is in it.</summary>
    public const string DropPublicSchema = "DROP SCHEMA IF EXISTS public";

    /// <summary>
    /// Readies a database just created on a throwaway server for a dump: its referenced roles exist, and its schema public is
    /// gone when the dump creates its own.
    /// </summary>
    public static async Task PrepareAsync(Engines.IRestoreServer server, string database, IReadOnlyList<TocEntry> entries, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString(database));
        await connection.OpenAsync(cancellationToken);
        await CreateReferencedRolesAsync(connection, entries, cancellationToken);
        if (CreatesPublicSchema(entries))
        {
            await using var drop = new NpgsqlCommand(DropPublicSchema, connection);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Whether the archive's table of contents creates the schema public.</summary>
    public static bool CreatesPublicSchema(IEnumerable<TocEntry> entries) =>
        entries.Any(e => e.Desc == "SCHEMA" && e.Tag == "public");

    /// <summary>
    /// The roles the dump names that <c>--no-owner --no-privileges</c> does not strip: those a row-level security policy
    /// applies to (<c>CREATE POLICY … TO role</c>) and those a user mapping is for. Roles live in the cluster, never in a
    /// database's dump; production has them, a throwaway server does not.
    /// </summary>
    public static IReadOnlyList<string> ReferencedRoles(IEnumerable<TocEntry> entries)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var definition = entry.Definition ?? string.Empty;
            var list = entry.Desc switch
            {
                // CREATE POLICY name ON table [AS …] [FOR …] TO roles [USING (…)] [WITH CHECK (…)];
                "POLICY" => Between(definition, " TO ", [" USING (", " WITH CHECK (", ";"]),
                "USER MAPPING" => Between(definition, "CREATE USER MAPPING FOR ", [" SERVER "]),
                _ => null,
            };
            foreach (var (name, quoted) in SplitIdentifiers(list ?? string.Empty))
            {
                // Key words, not roles (pg_dump writes them unquoted, in either case).
                if (quoted || !Reserved.Contains(name))
                {
                    roles.Add(name);
                }
            }
        }

        return roles.ToList();
    }

    /// <summary>
    /// Creates, as NOLOGIN roles, every role the dump references (see <see cref="ReferencedRoles"/>) that the throwaway server
    /// lacks, so a faithful dump of a database with policies for application roles restores there as it does in production.
    /// </summary>
    public static async Task CreateReferencedRolesAsync(NpgsqlConnection connection, IEnumerable<TocEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var role in ReferencedRoles(entries))
        {
            await using var command = new NpgsqlCommand(
                "SELECT format('CREATE ROLE %I NOLOGIN', @name) WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = @name)", connection);
            command.Parameters.AddWithValue("name", role);
            if (await command.ExecuteScalarAsync(cancellationToken) is string statement)
            {
                await using var create = new NpgsqlCommand(statement, connection);
                try
                {
                    await create.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.ReservedName or PostgresErrorCodes.DuplicateObject)
                {
                    // A name no role can have needs none; the restore says so itself if it matters.
                }
            }
        }
    }

    private static readonly HashSet<string> Reserved = new(["public", "current_user", "session_user", "current_role", "current_schema", "user"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The text after the first <paramref name="start"/> and before the first of <paramref name="ends"/>, both found outside
    /// double-quoted identifiers and parentheses (a policy named "go TO x" is a name, not its roles); null when absent.
    /// </summary>
    private static string? Between(string text, string start, IReadOnlyList<string> ends)
    {
        var from = IndexOutside(text, start, 0);
        if (from < 0)
        {
            return null;
        }

        from += start.Length;
        var to = ends.Select(e => IndexOutside(text, e, from)).Where(i => i >= 0).DefaultIfEmpty(text.Length).Min();
        return text[from..to];
    }

    private static int IndexOutside(string text, string needle, int from)
    {
        var (quoted, depth) = (false, 0);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!quoted && depth == 0 && i >= from && string.CompareOrdinal(text, i, needle, 0, needle.Length) == 0)
            {
                return i;
            }

            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')' && depth > 0)
            {
                depth--;
            }
        }

        return -1;
    }

    // Identifiers as pg_dump's fmtId writes them, separated by commas: plain names or "double ""quoted"" ones.
    private static IEnumerable<(string Name, bool Quoted)> SplitIdentifiers(string list)
    {
        foreach (Match identifier in Identifier().Matches(list))
        {
            yield return identifier.Groups["quoted"].Success
                ? (identifier.Groups["quoted"].Value.Replace("\"\"", "\"", StringComparison.Ordinal), true)
                : (identifier.Groups["plain"].Value, false);
        }
    }

    [GeneratedRegex(@"""(?<quoted>(?:[^""]|"""")*)""|(?<plain>[^\s,""]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
