using Npgsql;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Lifetime;

/// <summary>SIGKILL of the CLI at several points: no postgres, pg_dump or restored data of that run may outlive it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ChildProcessLifetimeTests(PostgresServerFixture fixture) : IDisposable
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Killing_verify_stops_its_server_and_removes_the_restored_data_at_once()
    {
        var database = await SlowDump.DatabaseAsync(fixture);
        await SlowDump.DumpIntoAsync(fixture, _dir.Path);
        await using var cli = CliProcess.Start(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local");
        var postmaster = await ProcFs.WaitForDescendantAsync(cli.ProcessId, "bin/postgres -D ", TimeSpan.FromSeconds(60));
        postmaster.Should().NotBeNull("verify starts a throwaway postgres; output: " + cli.Output);
        var root = DataRoot(postmaster!.Value);
        var server = ServerProcesses(postmaster.Value);
        var segments = SharedMemorySegments(server);

        ProcFs.Kill(cli.ProcessId);
        await cli.WaitAsync();

        (await ProcFs.WaitUntilAsync(() => server.All(p => !ProcFs.IsAlive(p)), Soon)).Should().BeTrue("the server's processes die with the run that started it");
        (await ProcFs.WaitUntilAsync(() => !Directory.Exists(root), Soon)).Should().BeTrue($"the restored data in {root} goes with its run");
        segments.Where(File.Exists).Should().BeEmpty("a killed server's shared memory must not outlive it in /dev/shm");
    }

    /// <summary>The /dev/shm segments the server's processes have mapped (posix dynamic shared memory).</summary>
    private static List<string> SharedMemorySegments(IEnumerable<int> processes) =>
        processes.SelectMany(p =>
        {
            try
            {
                return File.ReadAllLines($"/proc/{p}/maps");
            }
            catch (IOException)
            {
                return [];
            }
        }).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty)
        .Where(path => path.StartsWith("/dev/shm/PostgreSQL.", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task A_run_after_a_killed_run_whose_watchdog_died_too_stops_the_orphan_server_and_says_so()
    {
        var database = await SlowDump.DatabaseAsync(fixture);
        await SlowDump.DumpIntoAsync(fixture, _dir.Path);
        await using var cli = CliProcess.Start(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local");
        var postmaster = await ProcFs.WaitForDescendantAsync(cli.ProcessId, "bin/postgres -D ", TimeSpan.FromSeconds(60));
        postmaster.Should().NotBeNull("verify starts a throwaway postgres; output: " + cli.Output);
        var root = DataRoot(postmaster!.Value);
        var server = ServerProcesses(postmaster.Value);
        var watchdogs = ProcFs.Descendants(cli.ProcessId).Where(p => ProcFs.CommandLine(p).Contains("portfolio-backup-watchdog", StringComparison.Ordinal)).ToList();
        watchdogs.Should().NotBeEmpty("every run that starts children has a watchdog");
        foreach (var watchdog in watchdogs)
        {
            ProcFs.Kill(watchdog);
        }

        ProcFs.Kill(cli.ProcessId);
        await cli.WaitAsync();
        await Task.Delay(500);
        ProcFs.IsAlive(postmaster.Value).Should().BeTrue("with its watchdog gone too, nothing stopped the server yet");
        using var next = new TempDirectory();
        var small = await fixture.CreateDatabaseAsync();
        await Verification.TestDumps.DumpAsync(fixture, small, next.Combine(Verification.TestDumps.BackupName(1)));

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(small, next.Path), "verify", "--engine", "local");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.AllOutput.Should().Contain("removed").And.Contain(root);
        (await ProcFs.WaitUntilAsync(() => server.All(p => !ProcFs.IsAlive(p)), Soon)).Should().BeTrue("the next run stops the orphan server");
        Directory.Exists(root).Should().BeFalse("the next run removes the orphan's data");
    }

    [Fact]
    public async Task Killing_backup_stops_pg_dump()
    {
        var database = await SlowDump.DatabaseAsync(fixture);
        await using var blocker = await fixture.Server.OpenConnectionAsync(database);
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE big IN ACCESS EXCLUSIVE MODE", blocker, transaction))
        {
            // pg_dump waits for this lock: a slow moment that lasts until the test lets go.
            await lockTable.ExecuteNonQueryAsync();
        }

        await using var cli = CliProcess.Start(fixture.CliEnvironment(database, _dir.Path), "backup");
        var pgDump = await ProcFs.WaitForDescendantAsync(cli.ProcessId, "pg_dump", TimeSpan.FromSeconds(60));
        pgDump.Should().NotBeNull("backup runs pg_dump; output: " + cli.Output);

        ProcFs.Kill(cli.ProcessId);
        await cli.WaitAsync();

        (await ProcFs.WaitUntilAsync(() => !ProcFs.IsAlive(pgDump!.Value), Soon)).Should().BeTrue("pg_dump dies with the backup that started it");
        await transaction.RollbackAsync();
    }

    /// <summary>The postmaster and every process it forked (backends leave its process group and overwrite their environment).</summary>
    private static IReadOnlyList<int> ServerProcesses(int postmaster) => [postmaster, .. ProcFs.Descendants(postmaster)];

    private static string DataRoot(int postmaster)
    {
        var arguments = ProcFs.CommandLine(postmaster).Split(' ');
        var data = arguments[Array.IndexOf(arguments, "-D") + 1];
        return Path.GetDirectoryName(data)!;
    }
}

/// <summary>SIGKILL of a verify that uses the container engine: its container is removed by the next run, which says so.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ContainerLifetimeTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_run_after_a_killed_container_verify_removes_the_container_it_left_and_says_so()
    {
        var database = await SlowDump.DatabaseAsync(fixture);
        await SlowDump.DumpIntoAsync(fixture, _dir.Path);
        var before = await ContainersAsync();
        await using var cli = CliProcess.Start(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "container", "--image", "postgres:15");
        var started = new List<string>();
        (await ProcFs.WaitUntilAsync(
            () =>
            {
                started = ContainersAsync().GetAwaiter().GetResult().Except(before).ToList();
                return started.Count > 0 || !ProcFs.IsAlive(cli.ProcessId);
            },
            TimeSpan.FromSeconds(90))).Should().BeTrue();
        started.Should().NotBeEmpty("verify starts a container; output: " + cli.Output);
        ProcFs.Kill(cli.ProcessId);
        await cli.WaitAsync();
        using var next = new TempDirectory();
        var small = await fixture.CreateDatabaseAsync();
        await Verification.TestDumps.DumpAsync(fixture, small, next.Combine(Verification.TestDumps.BackupName(1)));

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(small, next.Path), "verify", "--engine", "container", "--image", "postgres:15");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.AllOutput.Should().Contain("removed container").And.Contain(started[0]);
        (await ContainersAsync()).Should().NotContain(started);
    }

    private static async Task<IReadOnlyList<string>> ContainersAsync()
    {
        var result = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
            CliWrap.Cli.Wrap("docker").WithArguments(["ps", "-a", "--filter", "name=portfolio-restore-", "--format", "{{.Names}}"]));
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
