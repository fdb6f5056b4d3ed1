using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Backup;

/// <summary>
/// Production as it runs: the database is a compose service's container with no published port, and the host has no
/// PostgreSQL client of the server's major. The backup runs inside the container (its psql holds the exported snapshot,
/// its pg_dump streams the dump out), exactly as the host path does: same manifest, same atomic writer, same encryption.
/// </summary>
public sealed class ComposeBackupTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task Backup_db_sh_backs_up_a_compose_service_exactly_and_restore_brings_every_row_back()
    {
        // Service db, as every compose file names it: the project tells it apart from any other app's db on this host.
        await using var db = await ComposeDatabase.StartAsync("postgres:15");
        var backups = _dir.Combine("backups");

        var backup = await OperatorScripts.RunAsync("backup_db.sh", Environment(db, backups), _dir.Path);

        backup.ExitCode.Should().Be(0, backup.StandardOutput + backup.StandardError);
        backup.StandardOutput.Should().Contain($"backing up portfolio in compose service db (project {db.Project}) as postgres");
        var dump = Directory.GetFiles(backups, "backup_*.dump").Should().ContainSingle().Subject;
        var manifest = (await BackupManifest.ReadForDumpAsync(dump))!;
        manifest.Tables!.ToDictionary(t => t.QualifiedName, t => t.Rows).Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
        manifest.PgDumpVersion.Should().StartWith("pg_dump (PostgreSQL) 15.");
        manifest.ServerVersion.Should().StartWith("15.");
        manifest.Snapshot.Should().NotBeNullOrEmpty();
        manifest.Extensions.Select(e => e.Name).Should().Contain(["citext", "pg_trgm", "plpgsql"]);
        manifest.Sequences.Should().NotBeNullOrEmpty();
        (await CliRunner.RunAsync(Environment(db, backups), "verify", "--quick", dump)).ExitCode.Should().Be(0);

        // The app's data is lost; the restore goes back into the same container, after a safety backup taken the same way.
        await db.PsqlAsync("DELETE FROM images; DELETE FROM \"Reporting Ünits\".\"Order Items\"");
        var restore = await CliRunner.RunAsync(Environment(db, backups), "restore", dump, "--compose-service", "db", "--yes");

        restore.ExitCode.Should().Be(0, restore.AllOutput);
        (await db.CountsAsync()).Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
        var safety = Directory.GetFiles(backups, "pre-restore_*.dump").Should().ContainSingle().Subject;
        var safetyManifest = (await BackupManifest.ReadForDumpAsync(safety))!;
        safetyManifest.Tables.Should().NotBeNull("the safety backup is written by the same code as every backup, with exact counts");
        safetyManifest.Tables!.Single(t => t.Name == "images").Rows.Should().Be(0);
        (backup.StandardOutput + backup.StandardError + restore.AllOutput).Should().NotContain(ComposeDatabase.Password);
    }

    [Fact(Timeout = 300_000)]
    public async Task A_compose_backup_taken_while_the_app_writes_has_the_dumps_exact_counts_and_can_be_encrypted()
    {
        await using var db = await ComposeDatabase.StartAsync("postgres:15");
        var backups = _dir.Combine("backups");
        var key = await Encryption.AgeKeys.CreateAsync();
        var environment = Environment(db, backups);
        environment["BACKUP_AGE_RECIPIENTS"] = key.Public;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await ToolRunner.RunAsync(new ToolInvocation("docker", ["exec", db.Name, "psql", "-U", "postgres", "-d", "portfolio", "-X", "-q", "-c",
                    "INSERT INTO images (user_id, url, metadata) SELECT 1, 'https://cdn.example.com/x.jpg', '{}' FROM generate_series(1, 200)"]));
            }
        });

        CliRun run;
        try
        {
            run = await CliRunner.RunAsync(environment, "backup", "--compose-service", "db");
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }

        run.ExitCode.Should().Be(0, run.AllOutput);
        var dump = Directory.GetFiles(backups, "backup_*.dump.age").Should().ContainSingle().Subject;
        Directory.GetFiles(backups, "backup_*.dump").Should().BeEmpty("nothing unencrypted is kept");
        var check = new Dictionary<string, string?>(environment) { ["AGE_IDENTITY"] = key.Secret };
        var quick = await CliRunner.RunAsync(check, "verify", "--quick", dump);
        quick.ExitCode.Should().Be(0, quick.AllOutput);
        quick.Output.Should().Contain("pass  dump-rows: 10 tables in the dump match the manifest's exact counts");
    }

    [Fact(Timeout = 300_000)]
    public async Task Two_projects_with_a_db_service_are_told_apart_by_the_project_and_an_unknown_one_is_a_clear_error()
    {
        // A service name of its own, so other containers on the same Docker host never count.
        var service = "db" + Guid.NewGuid().ToString("N")[..8];
        await using var mine = await ComposeDatabase.StartAsync("postgres:15", service, seed: true);
        await using var other = await ComposeDatabase.StartAsync("postgres:15", service, seed: false);
        var backups = _dir.Combine("backups");
        var ambiguous = Environment(mine, backups);
        ambiguous.Remove("COMPOSE_PROJECT_NAME");
        var elsewhere = Environment(mine, backups);
        elsewhere.Remove("COMPOSE_PROJECT_NAME");
        elsewhere["COMPOSE_FILE"] = _dir.Combine("elsewhere", "docker-compose.yml");

        var chosen = await CliRunner.RunAsync(Environment(mine, backups), "backup");
        var unclear = await CliRunner.RunAsync(ambiguous, "backup");
        var otherProject = await CliRunner.RunAsync(elsewhere, "backup");
        var missing = await CliRunner.RunAsync(Environment(mine, backups), "backup", "--compose-service", "nothing-here");

        chosen.ExitCode.Should().Be(0, chosen.AllOutput);
        chosen.Output.Should().Contain($"  from:     portfolio in container {mine.Name} (compose service {service}) as postgres (pg_dump (PostgreSQL) 15.");
        unclear.ExitCode.Should().Be(1, unclear.AllOutput);
        unclear.Error.Should().Contain($"2 running containers belong to compose service '{service}'").And.Contain(mine.Name).And.Contain(other.Name).And.Contain("COMPOSE_PROJECT_NAME");
        otherProject.ExitCode.Should().Be(1, otherProject.AllOutput);
        otherProject.Error.Should().Contain($"no running container belongs to compose service '{service}' of project 'elsewhere'", "the compose file's folder names the project");
        missing.ExitCode.Should().Be(1, missing.AllOutput);
        missing.Error.Should().Contain("no running container belongs to compose service 'nothing-here'");
        Directory.GetFiles(backups, "backup_*").Should().HaveCount(2, "one backup and its manifest, from the run that found its container");
    }

    [Fact(Timeout = 300_000)]
    public async Task A_database_the_container_does_not_have_fails_with_psqls_words_and_leaves_no_backup()
    {
        await using var db = await ComposeDatabase.StartAsync("postgres:15", seed: false);
        var backups = _dir.Combine("backups");
        var environment = Environment(db, backups);
        environment["DB_NAME"] = "no_such_db";

        var run = await CliRunner.RunAsync(environment, "backup");

        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain("could not open a snapshot of no_such_db in container").And.Contain("database \"no_such_db\" does not exist").And.Contain("Check DB_NAME");
        (Directory.Exists(backups) ? Directory.GetFiles(backups, "*backup_*") : []).Should().BeEmpty();
    }

    // The droplet: the app's compose project, no DB_HOST, no PostgreSQL client needed on the host.
    private static Dictionary<string, string?> Environment(ComposeDatabase db, string backups) => new(StringComparer.Ordinal)
    {
        ["PATH"] = System.Environment.GetEnvironmentVariable("PATH"),
        ["HOME"] = System.Environment.GetEnvironmentVariable("HOME"),
        ["BACKUP_DIR"] = backups,
        ["BACKUP_COMPOSE_SERVICE"] = db.Service,
        ["COMPOSE_PROJECT_NAME"] = db.Project,
    };
}
