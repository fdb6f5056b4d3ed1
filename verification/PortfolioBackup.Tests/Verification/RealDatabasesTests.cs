using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Tests.Verification;

/// <summary>
/// Real databases, not only ours, so a fix cannot silently break them: PostgreSQL's own regression database (built once by
/// scripts/setup.sh from the server's source package: 537 tables, domains with NOT VALID constraints, partitions, large
/// objects, row-level security policies for roles the dump does not hold) and pgbench's standard database. Each is backed
/// up as operators do, verified in both tiers with exact counts, and restored.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RealDatabasesTests(PostgresServerFixture fixture) : IDisposable
{
    /// <summary>Where scripts/setup.sh caches the regression database's dump (PORTFOLIO_REGRESSION_DUMP overrides).</summary>
    public static string RegressionDump => System.Environment.GetEnvironmentVariable("PORTFOLIO_REGRESSION_DUMP") is { Length: > 0 } path
        ? path
        : "/var/tmp/portfoliobackup-setup/regression-15/regression.dump";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 600_000)]
    public async Task The_regression_database_backed_up_as_operators_do_is_healthy_with_exact_counts_in_both_tiers_and_restores()
    {
        var database = await RestoreRegressionDatabaseAsync();
        var backups = _dir.Combine("backups");
        var environment = Environment(database, backups);

        var backup = await CliRunner.RunAsync(environment, "backup");
        var quick = await CliRunner.RunAsync(environment, "verify", "--latest", "--quick");
        var full = await CliRunner.RunAsync(environment, "verify", "--latest", "--engine", "local");
        var dump = Directory.GetFiles(backups, "backup_*.dump").Single();
        var target = "restored_" + Guid.NewGuid().ToString("N")[..8];
        var restore = await CliRunner.RunAsync(environment, "restore", dump, "--target-db", target, "--yes", "--no-safety-backup");

        backup.ExitCode.Should().Be(0, backup.AllOutput);
        backup.Output.Should().Contain("537 tables, ");
        quick.ExitCode.Should().Be(0, quick.AllOutput);
        full.ExitCode.Should().Be(0, full.AllOutput);
        full.Output.Should().Contain("pass  restore:").And.Contain("pass  row-counts: 537 tables match the manifest's exact counts");
        restore.ExitCode.Should().Be(0, restore.AllOutput);
        restore.Output.Should().Contain("row counts: all 537 tables match the manifest");
    }

    [Theory(Timeout = 600_000)]
    [InlineData("-Z0")]
    [InlineData("-n", "public")]
    [InlineData("--data-only")]
    [InlineData("--schema-only")]
    public async Task The_regression_database_dumped_with_an_operators_options_gets_a_true_verdict(params string[] options)
    {
        var database = await RestoreRegressionDatabaseAsync();
        var dump = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)), ["-Fc", .. options]);

        var full = await CliRunner.RunAsync(Environment(database, _dir.Path), "verify", "--engine", "local", dump);

        if (options.Contains("--data-only"))
        {
            full.ExitCode.Should().Be(1, full.AllOutput);
            full.Output.Should().Contain("pass  toc:").And.Contain("a data-only dump").And.Contain("FAIL  restore: a data-only dump (pg_dump --data-only) holds no schema");
        }
        else if (options.Contains("public"))
        {
            // A true verdict: a materialized view in public reads a table of another schema, which -n public leaves out,
            // so this dump cannot be restored on its own anywhere; plain pg_restore fails the same way.
            full.ExitCode.Should().Be(1, full.AllOutput);
            full.Output.Should().Contain("FAIL  restore: error: could not execute query: ERROR:  relation \"mvtest_mvschema.mvtest_tvm\" does not exist");
        }
        else
        {
            full.ExitCode.Should().Be(0, full.AllOutput);
            full.Output.Should().Contain("pass  restore:");
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task Pgbenchs_standard_database_is_healthy_with_exact_counts_and_restores()
    {
        var database = await fixture.CreateDatabaseAsync(seeded: false);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            await ToolRunner.RunCheckedAsync(
                new ToolInvocation(fixture.Server.Binaries.PathOf("pgbench"), ["--initialize", "--scale=3", "--foreign-keys", "--quiet", database])
                {
                    Environment = fixture.Server.ClientEnvironment(database),
                    Secrets = [fixture.Password],
                },
                timeout.Token);
        }

        var backups = _dir.Combine("backups");
        var environment = Environment(database, backups);
        var backup = await CliRunner.RunAsync(environment, "backup");
        var full = await CliRunner.RunAsync(environment, "verify", "--latest", "--engine", "local");
        var target = "restored_" + Guid.NewGuid().ToString("N")[..8];
        var restore = await CliRunner.RunAsync(environment, "restore", Directory.GetFiles(backups, "backup_*.dump").Single(), "--target-db", target, "--yes", "--no-safety-backup");

        backup.ExitCode.Should().Be(0, backup.AllOutput);
        backup.Output.Should().Contain("4 tables, 300,033 rows");
        full.ExitCode.Should().Be(0, full.AllOutput);
        full.Output.Should().Contain("pass  row-counts: 4 tables match the manifest's exact counts (300 033 rows)");
        restore.ExitCode.Should().Be(0, restore.AllOutput);
    }

    /// <summary>A fresh database holding the regression database, with the roles its policies name (cluster objects a dump never holds).</summary>
    private async Task<string> RestoreRegressionDatabaseAsync()
    {
        File.Exists(RegressionDump).Should().BeTrue($"scripts/setup.sh builds PostgreSQL's regression database into {RegressionDump}; run it (as root)");
        var database = await fixture.CreateDatabaseAsync(seeded: false);
        var toc = await ArchiveReader.ReadTocAsync(RegressionDump);
        foreach (var role in FreshDatabase.ReferencedRoles(toc.Entries))
        {
            await fixture.ExecuteAsync("postgres", $"DO $$ BEGIN CREATE ROLE \"{role}\" NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await ToolRunner.RunCheckedAsync(
            new ToolInvocation(fixture.Server.Binaries.PathOf("pg_restore"), ["--no-owner", "--no-privileges", "--exit-on-error", "--dbname", database, RegressionDump])
            {
                Environment = fixture.Server.ClientEnvironment(database),
                Secrets = [fixture.Password],
            },
            timeout.Token);
        return database;
    }

    // Operators' settings for a database that is not the portfolio app: its expectations require nothing of their own.
    private Dictionary<string, string?> Environment(string database, string backups)
    {
        var config = _dir.Combine("expectations.json");
        File.WriteAllText(config, "{\"requiredTables\": [], \"minimumRows\": {}, \"requiredExtensions\": []}");
        var environment = fixture.CliEnvironment(database, backups);
        environment["VERIFY_CONFIG"] = config;
        return environment;
    }
}
