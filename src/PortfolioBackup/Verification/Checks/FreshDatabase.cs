using PortfolioBackup.Archive;

namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// How a dump goes into a database that was just created (the verifier's throwaway one, a restore's new target): plain
/// <c>pg_restore</c>, never <c>--clean</c>, whose <c>DROP … IF EXISTS</c> still names the object it drops from (a domain's
/// separately dumped NOT VALID constraint: <c>ALTER DOMAIN d DROP CONSTRAINT IF EXISTS c</c> fails when the domain does not
/// exist yet). A dump that creates the schema <c>public</c> itself (<c>pg_dump -n public</c>, PostgreSQL 15 on) gets a
/// database without it, so its <c>CREATE SCHEMA public</c> does not collide with the empty one every new database has.
/// </summary>
internal static class FreshDatabase
{
    /// <summary>The pg_restore options for a fresh database (production's roles and grants do not exist there).</summary>
    public static readonly IReadOnlyList<string> RestoreOptions = ["--no-owner", "--no-privileges"];

    /// <summary>Run in the fresh database before the restore when <see cref="CreatesPublicSchema(IEnumerable{TocEntry})"/>; fails if anything is in it.</summary>
    public const string DropPublicSchema = "DROP SCHEMA IF EXISTS public";

    /// <summary>Whether the archive's table of contents creates the schema public.</summary>
    public static bool CreatesPublicSchema(IEnumerable<TocEntry> entries) =>
        entries.Any(e => e.Desc == "SCHEMA" && e.Tag == "public");

    /// <summary>Whether <c>pg_restore --list</c> output (lines like <c>4; 2615 2200 SCHEMA - public owner</c>) creates the schema public.</summary>
    public static bool CreatesPublicSchema(IEnumerable<string> listLines) =>
        listLines.Select(l => l.Split(' ', 7, StringSplitOptions.RemoveEmptyEntries)).Any(f => f.Length >= 6 && f[3] == "SCHEMA" && f[4] == "-" && f[5] == "public");
}
