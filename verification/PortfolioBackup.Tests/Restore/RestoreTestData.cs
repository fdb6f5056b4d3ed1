using PortfolioBackup.Backup;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Restore;

/// <summary>Dumps and fingerprints of fixture databases for the restore tests.</summary>
internal static class RestoreTestData
{
    /// <summary>A dump that fails partway: a CHECK calls a function reading a table whose data is restored later.</summary>
    public const string FailsPartwaySql = """
        CREATE TABLE public.zz_ref (id int PRIMARY KEY);
        CREATE FUNCTION public.ref_exists(v int) RETURNS boolean LANGUAGE plpgsql
            AS $$ BEGIN RETURN EXISTS (SELECT 1 FROM public.zz_ref WHERE id = v); END $$;
        CREATE TABLE public.aa_child (id int PRIMARY KEY, ref int CHECK (public.ref_exists(ref)));
        INSERT INTO public.zz_ref VALUES (1), (2);
        INSERT INTO public.aa_child VALUES (1, 1), (2, 2);
        """;

    public const string ImagesChecksumSql = "SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM public.images t";

    public const string ChangeDataSql = """
        DELETE FROM public.images WHERE id % 3 = 0;
        UPDATE public.images SET caption = 'changed after the dump' WHERE id % 5 = 0;
        INSERT INTO public.users (email, name) VALUES ('late@example.com', 'Late');
        TRUNCATE public."CamelCase";
        CREATE TABLE public.marker (note text);
        INSERT INTO public.marker VALUES ('made after the dump');
        """;

    /// <summary>Backs up a fixture database with the backup engine (dump plus manifest with exact row counts).</summary>
    public static async Task<BackupResult> BackupAsync(PostgresServerFixture fixture, string database, string directory)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await BackupRunner.RunAsync(new BackupSettings { BackupDirectory = directory, Connection = Connection(fixture, database) }, timeout.Token);
    }

    /// <summary>Dumps a fixture database with plain pg_dump -Fc (no manifest).</summary>
    public static async Task<string> PgDumpAsync(PostgresServerFixture fixture, string database, string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var connection = Connection(fixture, database);
        await ToolRunner.RunCheckedAsync(
            new ToolInvocation(PgBinaries.Discover().PathOf("pg_dump"), ["--format=custom", "--file", path])
            {
                Environment = connection.ToolEnvironment(),
                Secrets = [fixture.Password],
            },
            timeout.Token);
        return path;
    }

    public static ConnectionSettings Connection(PostgresServerFixture fixture, string database) => new()
    {
        Host = fixture.Server.Host,
        Port = fixture.Server.Port,
        User = fixture.Server.Superuser,
        Database = database,
        Password = fixture.Password,
    };

    /// <summary>Exact row counts of every physical table, keyed "schema.table".</summary>
    public static async Task<Dictionary<string, long>> CountsAsync(PostgresServerFixture fixture, string database)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in PostgresServerFixture.SeedRowCounts.Keys)
        {
            var dot = table.IndexOf('.', StringComparison.Ordinal);
            var sql = $"SELECT count(*) FROM ONLY \"{table[..dot]}\".\"{table[(dot + 1)..]}\"";
            result[table] = await fixture.ScalarAsync<long>(database, sql);
        }

        return result;
    }

    public static Task<bool> TableExistsAsync(PostgresServerFixture fixture, string database, string table) =>
        fixture.ScalarAsync<bool>(database, $"SELECT to_regclass('{table}') IS NOT NULL");
}
