using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Verification;

namespace PortfolioBackup.Tests.Lifetime;

/// <summary>A database (and one dump of it) big enough that restoring or dumping it takes seconds: time for a test to kill the run.</summary>
internal static class SlowDump
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _database;

    public static async Task<string> DatabaseAsync(PostgresServerFixture fixture)
    {
        await Gate.WaitAsync();
        try
        {
            if (_database is null)
            {
                var database = await fixture.CreateDatabaseAsync();
                await fixture.ExecuteAsync(
                    database,
                    "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b FROM generate_series(1, 1500000) g; CREATE INDEX ON big (a); CREATE INDEX ON big (b);");
                _database = database;
            }

            return _database;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Dumps the big database into the folder under a backup's name and returns the file.</summary>
    public static async Task<string> DumpIntoAsync(PostgresServerFixture fixture, string directory)
    {
        var database = await DatabaseAsync(fixture);
        return await TestDumps.DumpAsync(fixture, database, Path.Combine(directory, TestDumps.BackupName(1)));
    }
}
