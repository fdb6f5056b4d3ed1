using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

/// <summary>
/// What production databases have and a throwaway server lacks (roles, tablespaces, timeouts meant for the app): a
/// faithful backup of them is taken, verifies healthy, and a restore that cannot work is refused before it starts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ProductionShapesTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task Policies_and_user_mappings_for_odd_role_names_and_public_verify_healthy()
    {
        // Roles live in the cluster, not the dump; names that look like SQL must not be read as SQL.
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (spaced, keyword) = ($"app user {suffix}", $"Reader(TO) {suffix}");
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, $"""
            CREATE ROLE "{spaced}" NOLOGIN; CREATE ROLE "{keyword}" NOLOGIN;
            ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;
            CREATE POLICY "go TO x" ON public.users TO "{spaced}", "{keyword}" USING (true);
            CREATE POLICY everyone ON public.users TO public USING (true);
            CREATE FOREIGN DATA WRAPPER odd_wrapper; CREATE SERVER odd_server FOREIGN DATA WRAPPER odd_wrapper;
            CREATE USER MAPPING FOR public SERVER odd_server; CREATE USER MAPPING FOR "{spaced}" SERVER odd_server;
            """);
        var backups = _dir.Combine("backups");

        var backup = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups), "backup");
        var verdict = await VerifyOneAsync(Directory.GetFiles(backups, "backup_*.dump").Single());

        backup.ExitCode.Should().Be(0, backup.AllOutput);
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}")));
    }

    [Fact(Timeout = 300_000)]
    public async Task A_table_in_its_own_tablespace_verifies_healthy_on_a_server_without_that_tablespace()
    {
        var database = await fixture.CreateDatabaseAsync();
        var tablespace = "fast_" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await fixture.Server.OpenConnectionAsync(database))
        {
            // CREATE TABLESPACE runs alone, on a session that allows a tablespace inside the data folder.
            await using var allow = new Npgsql.NpgsqlCommand("SET allow_in_place_tablespaces = on", connection);
            await allow.ExecuteNonQueryAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE TABLESPACE {tablespace} LOCATION ''", connection);
            await create.ExecuteNonQueryAsync();
        }

        await fixture.ExecuteAsync(database, $"CREATE TABLE public.hot (id int) TABLESPACE {tablespace}; INSERT INTO public.hot SELECT generate_series(1, 10)");
        var backups = _dir.Combine("backups");
        try
        {
            var backup = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups), "backup");
            var verdict = await VerifyOneAsync(Directory.GetFiles(backups, "backup_*.dump").Single());

            backup.ExitCode.Should().Be(0, backup.AllOutput);
            verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}")));
            verdict.Tables.Should().Contain(t => t.Name == "hot" && t.Rows == 10);
        }
        finally
        {
            await fixture.ExecuteAsync(database, "DROP TABLE public.hot");
            await fixture.ExecuteAsync("postgres", $"DROP TABLESPACE {tablespace}");
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Timeouts_the_database_sets_for_the_app_do_not_cancel_the_backup_or_its_counts()
    {
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "CREATE TABLE public.bulk AS SELECT g FROM generate_series(1, 300000) g");
        await fixture.ExecuteAsync("postgres", $"ALTER DATABASE {database} SET statement_timeout = '1ms'; ALTER DATABASE {database} SET lock_timeout = '1ms'");
        var backups = _dir.Combine("backups");

        var backup = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups), "backup");

        backup.ExitCode.Should().Be(0, backup.AllOutput);
        backup.Output.Should().Contain("300,243 rows").And.NotContain("timeout");
    }

    [Fact(Timeout = 300_000)]
    public async Task A_data_only_dump_is_refused_for_a_database_that_does_not_exist_and_nothing_is_created()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)), ["-Fc", "--data-only"]);
        var target = "restored_" + Guid.NewGuid().ToString("N")[..8];

        var restore = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "restore", dump, "--target-db", target, "--yes", "--no-safety-backup");

        restore.ExitCode.Should().NotBe(0, restore.AllOutput);
        restore.Error.Should().Contain("data-only").And.NotContain("   at ");
        (await fixture.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'")).Should().Be(0);
    }

    private static async Task<DumpVerdict> VerifyOneAsync(string dump)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var options = new VerificationOptions { Server = new RestoreServerOptions { Engine = RestoreEngine.Local }, Expectations = VerificationExpectations.Default, Jobs = 2 };
        return (await DumpVerifier.VerifyAsync([dump], options, cancellationToken: timeout.Token)).Dumps.Single();
    }
}
