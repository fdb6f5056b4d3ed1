using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Verification;

namespace PortfolioBackup.Tests.Lifetime;

/// <summary>
/// A verify that ends normally (issue 19): the last database is not dropped, the server is stopped before the program exits,
/// and its folder, left to the watchdog, is gone right after.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ThrowawayServerExitTests(PostgresServerFixture fixture) : IDisposable
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_finished_verify_leaves_no_server_process_and_its_folder_is_gone_right_after_it_exits()
    {
        // Arrange: a dump big enough to find the server while it restores.
        var database = await SlowDump.DatabaseAsync(fixture);
        await SlowDump.DumpIntoAsync(fixture, _dir.Path);
        await using var cli = CliProcess.Start(WithTimings(fixture.CliEnvironment(database, _dir.Path)), "verify", "--engine", "local");
        var postmaster = await ProcFs.WaitForDescendantAsync(cli.ProcessId, "bin/postgres -D ", TimeSpan.FromSeconds(60));
        postmaster.Should().NotBeNull("verify starts a throwaway postgres; output: " + cli.Output);
        var root = DataRoot(postmaster!.Value);
        var server = new List<int> { postmaster.Value };

        // Act
        var exitCode = await cli.WaitAsync();

        // Assert
        exitCode.Should().Be(0, cli.Output);
        server.Where(ProcFs.IsAlive).Should().BeEmpty("the server is stopped before the program exits, never left to the watchdog");
        (await ProcFs.WaitUntilAsync(() => !Directory.Exists(root), Soon)).Should().BeTrue($"the watchdog removes {root} as soon as the program is gone");
        cli.Output.Should().NotContain("timing: drop database", "the last database goes with its server");
        cli.Output.Should().Contain("timing: restore (started early)", "the restore started beside the quick checks");
    }

    [Fact]
    public async Task Verifying_two_dumps_drops_the_first_database_and_leaves_the_last_to_the_server()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(2)));

        // Act
        await using var cli = CliProcess.Start(WithTimings(fixture.CliEnvironment(database, _dir.Path)), "verify", "--engine", "local");
        var exitCode = await cli.WaitAsync();

        // Assert
        exitCode.Should().Be(0, cli.Output);
        cli.Output.Should().Contain("2 of 2 dump(s) healthy");
        cli.Output.Split('\n').Count(l => l.StartsWith("timing: drop database", StringComparison.Ordinal)).Should().Be(1, cli.Output);
    }

    private static Dictionary<string, string?> WithTimings(Dictionary<string, string?> environment)
    {
        environment["PORTFOLIO_BACKUP_TIMINGS"] = "1";
        return environment;
    }

    private static string DataRoot(int postmaster)
    {
        var arguments = ProcFs.CommandLine(postmaster).Split(' ');
        return Path.GetDirectoryName(arguments[Array.IndexOf(arguments, "-D") + 1])!;
    }
}
