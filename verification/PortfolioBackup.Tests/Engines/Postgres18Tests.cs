using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Engines;

/// <summary>
/// Today's default postgres image is 18: its pg_dump's archives (every compression, --statistics, data only, schema only)
/// are read natively, verified in both tiers on a postgres:18 container, and a compose project whose db is postgres:18 is
/// backed up, verified and restored from a host whose only PostgreSQL client is 15.
/// </summary>
public sealed class Postgres18Tests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 600_000)]
    public async Task Pg_dump_18_archives_of_every_shape_read_natively_and_verify_in_both_tiers_on_postgres_18()
    {
        await using var db = await ComposeDatabase.StartAsync("postgres:18");
        var shapes = new Dictionary<string, string[]>
        {
            ["gzip"] = [],
            ["lz4"] = ["--compress=lz4"],
            ["zstd"] = ["--compress=zstd"],
            ["statistics"] = ["--statistics"],
            ["schema-only"] = ["--schema-only"],
            ["data-only"] = ["--data-only"],
        };
        var dumps = new Dictionary<string, string>();
        var minute = 0;
        foreach (var (shape, options) in shapes)
        {
            var path = _dir.Combine(BackupFileName.For(new DateTimeOffset(2026, 12, 1, 3, minute++, 0, TimeSpan.Zero)));
            await ToolRunner.RunCheckedAsync(new ToolInvocation("docker", ["exec", db.Name, "pg_dump", "-U", "postgres", "-Fc", .. options, "portfolio"]) { StandardOutputFile = path });
            dumps[shape] = path;
        }

        var quick = await CliRunner.RunAsync(new Dictionary<string, string?>(), ["verify", "--quick", .. dumps.Values]);
        var full = await CliRunner.RunAsync(Environment(), ["verify", "--engine", "container", "--image", "postgres:18", .. dumps.Values]);

        foreach (var (shape, path) in dumps)
        {
            var inspect = await CliRunner.RunAsync(new Dictionary<string, string?>(), "inspect", path);
            inspect.ExitCode.Should().Be(0, $"{shape}: {inspect.AllOutput}");
            inspect.Output.Should().Contain("verdict:         complete").And.Contain("pg_dump version: 18.");
            quick.Output.Should().Contain($"{Path.GetFileName(path)}: healthy (quick", shape);
            if (shape == "data-only")
            {
                full.Output.Should().Contain($"{Path.GetFileName(path)}: NOT HEALTHY").And.Contain("cannot restore into an empty database");
            }
            else
            {
                full.Output.Should().Contain($"{Path.GetFileName(path)}: healthy (container postgres:18, PostgreSQL 18.", shape);
            }
        }

        quick.ExitCode.Should().Be(0, quick.AllOutput);
        full.Output.Should().Contain("5 of 6 dump(s) healthy");
        (await CliRunner.RunAsync(new Dictionary<string, string?>(), "inspect", dumps["zstd"])).Output.Should().MatchRegex(@"public\.images\s+137\b");
    }

    [Fact(Timeout = 600_000)]
    public async Task A_postgres_18_compose_project_is_backed_up_verified_on_its_first_run_and_restored_from_a_host_with_only_client_15()
    {
        await using var db = await ComposeDatabase.StartAsync("postgres:18");
        var app = _dir.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "docker-compose.yml"), "services:\n  db:\n    image: postgres:${PG_MAJOR:-18}\n");
        var backups = _dir.Combine("backups");
        var environment = Environment();
        environment["BACKUP_DIR"] = backups;
        environment["BACKUP_COMPOSE_SERVICE"] = db.Service;
        environment["COMPOSE_PROJECT_NAME"] = db.Project;

        var backup = await OperatorScripts.RunAsync("backup_db.sh", environment, app);
        var verify = await OperatorScripts.RunAsync("test_restore.sh", environment, app);

        backup.ExitCode.Should().Be(0, backup.StandardOutput + backup.StandardError);
        backup.StandardOutput.Should().Contain("(pg_dump (PostgreSQL) 18.");
        verify.ExitCode.Should().Be(0, verify.StandardOutput + verify.StandardError);
        verify.StandardOutput.Should().Contain("note: image postgres:18 from service 'db'").And.Contain("1 of 1 dump(s) healthy")
            .And.Contain("Passed Newest_dump_has_the_recorded_schema");
        var dump = Directory.GetFiles(backups, "backup_*.dump").Single();
        await db.PsqlAsync("TRUNCATE images, users CASCADE");
        var restore = await CliRunner.RunAsync(environment, "restore", dump, "--compose-service", "db", "--yes");
        restore.ExitCode.Should().Be(0, restore.AllOutput);
        (await db.CountsAsync()).Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }

    [Fact(Timeout = 600_000)]
    public async Task Also_image_restores_a_15_backup_into_postgres_18_as_its_own_check_and_a_missing_image_only_warns()
    {
        await using var db = await ComposeDatabase.StartAsync("postgres:15");
        var backups = _dir.Combine("backups");
        var environment = Environment();
        environment["BACKUP_DIR"] = backups;
        environment["BACKUP_COMPOSE_SERVICE"] = db.Service;
        environment["COMPOSE_PROJECT_NAME"] = db.Project;
        (await CliRunner.RunAsync(environment, "backup")).ExitCode.Should().Be(0);

        var run = await CliRunner.RunAsync(environment, "verify", "--latest", "--engine", "container", "--image", "postgres:15", "--also-image", "postgres:18", "--also-image", "postgres:99-missing");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("pass  upgrade:postgres:18: restores on postgres:18 (PostgreSQL 18.").And.Contain("rows as expected")
            .And.Contain("warn  upgrade:postgres:99-missing: not tried:");
    }

    private static Dictionary<string, string?> Environment() => new(StringComparer.Ordinal)
    {
        ["PATH"] = System.Environment.GetEnvironmentVariable("PATH"),
        ["HOME"] = System.Environment.GetEnvironmentVariable("HOME"),
        ["TESTCONTAINERS_RYUK_DISABLED"] = "true",
        ["TESTCONTAINERS_HOST_OVERRIDE"] = "127.0.0.1",
        ["VERIFY_ENGINE"] = "container",
    };
}
