using System.Diagnostics;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// The compose backup against a hostile machine and careless settings: an interrupted backup leaves nothing running in
/// production, another app's db is never touched, odd names and timeouts and authentication end in a clear message.
/// </summary>
public sealed class ComposeHostileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task A_compose_backup_cancelled_midway_leaves_no_pg_dump_running_in_the_container()
    {
        await using var db = await ComposeDatabase.StartAsync("postgres:15", "db" + Guid.NewGuid().ToString("N")[..8]);
        await db.PsqlAsync("CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS t FROM generate_series(1, 1500000) g");
        using var cancel = new CancellationTokenSource();
        var backup = CliRunner.RunAsync(Environment(db), cancel.Token, "backup");
        await WaitUntilAsync(async () => await DumpsRunningAsync(db) > 0, TimeSpan.FromSeconds(60));

        await cancel.CancelAsync();
        var run = await backup;

        run.ExitCode.Should().Be(130, run.AllOutput);
        await WaitUntilAsync(async () => await DumpsRunningAsync(db) == 0, TimeSpan.FromSeconds(10));
        Directory.GetFiles(_dir.Combine("backups"), "*backup_*").Should().BeEmpty();
    }

    [Fact(Timeout = 300_000)]
    public async Task Another_projects_db_is_never_backed_up_or_restored_into()
    {
        var service = "db" + Guid.NewGuid().ToString("N")[..8];
        await using var theirs = await ComposeDatabase.StartAsync("postgres:15", service);
        var environment = Environment(theirs);
        environment["COMPOSE_PROJECT_NAME"] = "mine" + Guid.NewGuid().ToString("N")[..6];
        var dump = OperatorDump();

        var backup = await CliRunner.RunAsync(environment, "backup");
        var restore = await CliRunner.RunAsync(environment, "restore", dump, "--compose-service", service, "--target-db", "victim", "--yes", "--no-safety-backup");

        foreach (var run in new[] { backup, restore })
        {
            run.ExitCode.Should().Be(1, run.AllOutput);
            run.Error.Should().Contain($"no running container belongs to compose service '{service}' of project '{environment["COMPOSE_PROJECT_NAME"]}'")
                .And.Contain($"running: {theirs.Name} (project {theirs.Project})");
        }

        (await theirs.PsqlAsync("SELECT count(*) FROM pg_database WHERE datname = 'victim'", "postgres")).Should().Be("0");
    }

    [Fact(Timeout = 300_000)]
    public async Task Timeouts_set_for_the_app_odd_database_names_and_a_container_without_psql_each_end_in_a_clear_outcome()
    {
        await using var db = await ComposeDatabase.StartAsync("postgres:15", "db" + Guid.NewGuid().ToString("N")[..8]);
        await db.PsqlAsync("CREATE DATABASE \"x=y\"", "postgres");
        await db.PsqlAsync("CREATE TABLE t AS SELECT g FROM generate_series(1, 200000) g; ALTER DATABASE portfolio SET statement_timeout = '1ms'");
        var odd = Environment(db);
        odd["DB_NAME"] = "x=y";
        var noPsql = "pb-nopsql-" + Guid.NewGuid().ToString("N")[..8];
        await ToolRunner.RunCheckedAsync(new ToolInvocation("docker", ["run", "-d", "--name", noPsql, "--label", "org.testcontainers=true", "--entrypoint", "/bin/sleep", "--env", "PATH=/nowhere", "postgres:15", "600"]));
        try
        {
            var timeouts = await CliRunner.RunAsync(Environment(db), "backup");
            var oddName = await CliRunner.RunAsync(odd, "backup");
            var wrongContainer = await CliRunner.RunAsync(Environment(db), "backup", "--container", noPsql);

            timeouts.ExitCode.Should().Be(0, timeouts.AllOutput);
            timeouts.Output.Should().Contain("11 tables, 200,243 rows");
            oddName.ExitCode.Should().Be(0, oddName.AllOutput);
            oddName.Output.Should().Contain("backing up x=y in compose service");
            wrongContainer.ExitCode.Should().Be(1, wrongContainer.AllOutput);
            wrongContainer.Error.Should().Contain("Is this the database's container?").And.NotContain("   at ");
        }
        finally
        {
            await ToolRunner.RunAsync(new ToolInvocation("docker", ["rm", "-f", noPsql]));
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Password_and_peer_authentication_of_local_connections_are_named_and_the_container_user_solves_peer()
    {
        await using var db = await ComposeDatabase.StartAsync("postgres:15", "db" + Guid.NewGuid().ToString("N")[..8], seed: false);
        async Task LocalAuthAsync(string method)
        {
            await ToolRunner.RunCheckedAsync(new ToolInvocation("docker", ["exec", db.Name, "sh", "-c",
                $"sed -i -E 's/^(local[[:space:]]+all[[:space:]]+all[[:space:]]+)[a-z0-9-]+/\\1{method}/' \"$PGDATA/pg_hba.conf\""]));
            // Our own psql may no longer get in: the server reloads its configuration on SIGHUP to its main process.
            await ToolRunner.RunCheckedAsync(new ToolInvocation("docker", ["kill", "--signal", "HUP", db.Name]));
            await Task.Delay(500);
        }

        await LocalAuthAsync("scram-sha-256");
        var clock = Stopwatch.StartNew();
        var password = await CliRunner.RunAsync(Environment(db), "backup");
        var elapsed = clock.Elapsed;
        await LocalAuthAsync("peer");
        var peer = await CliRunner.RunAsync(Environment(db), "backup");
        var asPostgres = Environment(db);
        asPostgres["BACKUP_CONTAINER_USER"] = "postgres";
        var solved = await CliRunner.RunAsync(asPostgres, "backup");

        password.ExitCode.Should().Be(1, password.AllOutput);
        password.Error.Should().Contain("no password supplied").And.Contain("Set DB_PASSWORD");
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "psql never waits for a password on stdin");
        peer.ExitCode.Should().Be(1, peer.AllOutput);
        peer.Error.Should().Contain("Peer authentication failed").And.Contain("BACKUP_CONTAINER_USER=postgres");
        solved.ExitCode.Should().Be(0, solved.AllOutput);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_Docker_that_does_not_answer_is_named_as_such_not_as_a_missing_container()
    {
        // docker reads DOCKER_HOST from the environment it inherits, so this runs the real program as its own process.
        var environment = Environment(null);
        environment["DOCKER_HOST"] = "unix:///tmp/no-docker-here.sock";
        await using var program = Lifetime.CliProcess.Start(environment, "backup", "--container", "whatever");

        var exitCode = await program.WaitAsync();

        exitCode.Should().Be(1, program.Output);
        program.Output.Should().Contain("Docker does not answer").And.NotContain("no container named");
    }

    private static async Task<int> DumpsRunningAsync(ComposeDatabase db) =>
        int.Parse(await db.PsqlAsync("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_dump' OR query LIKE 'COPY %TO stdout%'", "postgres"), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold within {0}", limit);
            await Task.Delay(200);
        }
    }

    private string OperatorDump()
    {
        var path = _dir.Combine(PortfolioBackup.Backup.BackupFileName.For(DateTimeOffset.UtcNow.AddHours(-1)));
        Offsite.OffsiteTestFiles.WriteDump(_dir.Path, Path.GetFileName(path), 4096);
        return path;
    }

    private Dictionary<string, string?> Environment(ComposeDatabase? db) => new(StringComparer.Ordinal)
    {
        ["PATH"] = System.Environment.GetEnvironmentVariable("PATH"),
        ["HOME"] = System.Environment.GetEnvironmentVariable("HOME"),
        ["BACKUP_DIR"] = _dir.Combine("backups"),
        ["BACKUP_COMPOSE_SERVICE"] = db?.Service,
        ["COMPOSE_PROJECT_NAME"] = db?.Project,
    };
}
