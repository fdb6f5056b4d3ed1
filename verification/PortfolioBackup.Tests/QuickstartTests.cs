using System.Globalization;
using System.Text.RegularExpressions;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests;

/// <summary>
/// The README's first commands, run verbatim in a fresh clone of this repository through a login shell (only the
/// environment a login gives: no QUICKSTART_* or other variable the README does not show), as root and as a normal user.
/// The clone is of the committed HEAD: uncommitted changes are not in it.
/// </summary>
public sealed partial class QuickstartTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Quickstart_as_root_in_a_fresh_clone_backs_up_the_sample_database_and_proves_it_restores()
    {
        // Arrange
        using var folder = new TempDirectory();
        var clone = folder.Combine("clone");
        await CloneAsync(clone);
        var quickstartFoldersBefore = await QuickstartFoldersOwnedByAsync(0);

        var clusterFoldersBefore = Directory.GetDirectories("/tmp", "portfolio-quickstart-pg.*");
        try
        {
            // Act: while the script runs, another local account tries to reach the throwaway database (it trusts local connections).
            var running = RunInLoginShellAsync("root", clone, "scripts/quickstart.sh");
            var outsider = await TryTheClusterAsAnOutsiderAsync(running, clusterFoldersBefore);
            var result = await running;

            // Assert
            var run = await AssertQuickstartSucceededAsync(result, expectedOwnerUid: 0);
            RunningProcessesMentioning(run.ClusterFolder).Should().BeEmpty("the throwaway database is stopped");
            outsider.Should().NotBeNull("the cluster's socket was seen while the script ran");
            outsider!.Folder.Should().Be(run.ClusterFolder);
            outsider.Mode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            outsider.OwnerUid.Should().Be(await UidOfAsync("postgres"), "the postgres account owns the folder it runs the cluster in");
            outsider.Psql.ExitCode.Should().NotBe(0, "another local user must not reach the throwaway database");
            outsider.Psql.StandardError.Should().Contain("Permission denied");
        }
        finally
        {
            // The printed folder is kept on purpose (and so is one from a failed run with a backup in it): not here.
            foreach (var kept in (await QuickstartFoldersOwnedByAsync(0)).Except(quickstartFoldersBefore))
            {
                Directory.Delete(kept, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Quickstart_as_an_unprivileged_user_in_a_fresh_clone_backs_up_the_sample_database_and_proves_it_restores()
    {
        // Arrange: PostgreSQL is installed (the suite's machine is provisioned), so setup.sh has nothing to do as a normal user.
        using var folder = new TempDirectory();
        await using var user = await TemporaryUser.CreateAsync(folder.Combine("home"));
        var clone = Path.Combine(user.Home, "clone");
        await CloneAsync(clone);
        await RunCheckedAsync("chown", ["-R", $"{user.Name}:", clone]);
        var quickstartFoldersBefore = await QuickstartFoldersOwnedByAsync(user.Uid);

        // Act
        var result = await RunInLoginShellAsync(user.Name, clone, "scripts/quickstart.sh");

        // Assert (the account's files in /tmp, the kept folder among them, go with the account)
        var run = await AssertQuickstartSucceededAsync(result, expectedOwnerUid: user.Uid);
        (await ProcessesLeftByAsync(user.Uid)).Should().BeEmpty("no postgres, build server or test host outlives the script");
        (await QuickstartFoldersOwnedByAsync(user.Uid)).Except(quickstartFoldersBefore).Should()
            .Equal([run.WorkFolder], "only the printed folder with the backup and the report is kept");
    }

    [Fact]
    public async Task Setup_in_a_fresh_clone_as_root_succeeds_on_a_provisioned_machine()
    {
        // Arrange: README command 2 is `scripts/setup.sh && dotnet test …`; the suite cannot run itself, so only its first half runs here.
        using var folder = new TempDirectory();
        var clone = folder.Combine("clone");
        await CloneAsync(clone);

        // Act
        var result = await RunInLoginShellAsync("root", clone, "scripts/setup.sh");

        // Assert
        result.ExitCode.Should().Be(0, result.StandardOutput + result.StandardError);
    }

    private static async Task<QuickstartRun> AssertQuickstartSucceededAsync(ToolResult result, int expectedOwnerUid)
    {
        var output = result.StandardOutput + result.StandardError;
        result.ExitCode.Should().Be(0, output);
        output.Should().Contain("portfolio database: 2000 users, 20000 images, 12 migrations")
            .And.Contain("tables:   3 tables, 22,012 rows (exact, same snapshot)")
            .And.Contain("row-counts: 3 tables match the manifest's exact counts (22 012 rows)")
            .And.Contain("1 of 1 dump(s) healthy");

        var done = DoneLine().Match(output);
        done.Success.Should().BeTrue("the script prints where the backups are kept: " + output);
        var backups = done.Groups["backups"].Value;
        var work = Path.GetDirectoryName(backups)!;
        Directory.GetFiles(backups, "backup_*.dump").Should().ContainSingle();
        File.GetUnixFileMode(backups).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.GetUnixFileMode(work).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        (await OwnerUidAsync(backups)).Should().Be(expectedOwnerUid, "the backups belong to whoever ran the script");
        (await OwnerUidAsync(work)).Should().Be(expectedOwnerUid);
        File.Exists(Path.Combine(work, "report.json")).Should().BeTrue();

        var cluster = ClusterLine().Match(output);
        cluster.Success.Should().BeTrue("the script prints where the throwaway database runs: " + output);
        Directory.Exists(cluster.Groups["folder"].Value).Should().BeFalse("the throwaway database and its data are removed");
        return new QuickstartRun(work, cluster.Groups["folder"].Value);
    }

    /// <summary>Polls for the script's cluster folder; once its socket exists, `nobody` tries psql on it. Null when the run ended first.</summary>
    private static async Task<OutsiderAttempt?> TryTheClusterAsAnOutsiderAsync(Task running, string[] clusterFoldersBefore)
    {
        while (!running.IsCompleted)
        {
            var folder = Directory.GetDirectories("/tmp", "portfolio-quickstart-pg.*").Except(clusterFoldersBefore).FirstOrDefault();
            if (folder is not null && File.Exists(Path.Combine(folder, "socket", ".s.PGSQL.5432.lock")))
            {
                var mode = File.GetUnixFileMode(folder);
                var owner = await OwnerUidAsync(folder);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var psql = await ToolRunner.RunAsync(
                    new ToolInvocation("setpriv", ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--",
                        "/usr/lib/postgresql/15/bin/psql", "-X", "-h", Path.Combine(folder, "socket"), "-U", "postgres", "-d", "postgres", "-c", "SELECT 1"]),
                    timeout.Token);
                return new OutsiderAttempt(folder, mode, owner, psql);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        return null;
    }

    private static async Task<int> UidOfAsync(string account)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var id = await ToolRunner.RunCheckedAsync(new ToolInvocation("id", ["-u", account]), timeout.Token);
        return int.Parse(id.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task CloneAsync(string destination) =>
        await RunCheckedAsync("git", ["clone", "--quiet", "--no-hardlinks", OperatorScripts.RepositoryRoot, destination]);

    /// <summary>`runuser -l`: a login shell of the account, its environment built from scratch as a login would build it.</summary>
    private static async Task<ToolResult> RunInLoginShellAsync(string user, string directory, string command)
    {
        using var timeout = new CancellationTokenSource(RunTimeout);
        return await ToolRunner.RunAsync(new ToolInvocation("runuser", ["-l", user, "-c", $"cd '{directory}' && {command}"]), timeout.Token);
    }

    private static async Task RunCheckedAsync(string program, IReadOnlyList<string> arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await ToolRunner.RunCheckedAsync(new ToolInvocation(program, arguments), timeout.Token);
    }

    private static async Task<int> OwnerUidAsync(string path)
    {
        // .NET exposes a file's mode but not its owner.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await ToolRunner.RunCheckedAsync(new ToolInvocation("stat", ["-c", "%u", path]), timeout.Token);
        return int.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> QuickstartFoldersOwnedByAsync(int uid)
    {
        var owned = new List<string>();
        foreach (var path in Directory.GetDirectories("/tmp", "portfolio-quickstart*").Order(StringComparer.Ordinal))
        {
            if (await OwnerUidAsync(path) == uid)
            {
                owned.Add(path);
            }
        }

        return owned;
    }

    /// <summary>Live (not zombie) processes of the account, polled for a few seconds: backends stopped with the server exit just after it.</summary>
    private static async Task<List<string>> ProcessesLeftByAsync(int uid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var left = EnumerateProcesses().Where(process => process.Uid == uid && !process.Zombie).Select(process => process.CommandLine).ToList();
            if (left.Count == 0 || DateTime.UtcNow > deadline)
            {
                return left;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static List<string> RunningProcessesMentioning(string text) =>
        EnumerateProcesses().Where(process => !process.Zombie && process.CommandLine.Contains(text, StringComparison.Ordinal)).Select(process => process.CommandLine).ToList();

    private static IEnumerable<(int Uid, bool Zombie, string CommandLine)> EnumerateProcesses()
    {
        foreach (var directory in Directory.GetDirectories("/proc").Where(path => Path.GetFileName(path).All(char.IsAsciiDigit)))
        {
            (int Uid, bool Zombie, string CommandLine)? process;
            try
            {
                var status = File.ReadAllLines(Path.Combine(directory, "status"));
                var uidLine = status.First(line => line.StartsWith("Uid:", StringComparison.Ordinal));
                var uid = int.Parse(uidLine.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                var zombie = status.Any(line => line.StartsWith("State:", StringComparison.Ordinal) && line.Contains("zombie", StringComparison.Ordinal));
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Trim();
                process = (uid, zombie, commandLine);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // The process ended while we looked.
                process = null;
            }

            if (process is { } found)
            {
                yield return found;
            }
        }
    }

    [GeneratedRegex(@"== done: backups in (?<backups>/\S+), JSON report in ")]
    private static partial Regex DoneLine();

    [GeneratedRegex(@"starting a throwaway portfolio database in (?<folder>/\S+) ")]
    private static partial Regex ClusterLine();

    private sealed record QuickstartRun(string WorkFolder, string ClusterFolder);

    private sealed record OutsiderAttempt(string Folder, UnixFileMode Mode, int OwnerUid, ToolResult Psql);

    /// <summary>A login account made for one test (useradd, home inside the test's folder), removed with what it left in /var/tmp.</summary>
    private sealed class TemporaryUser : IAsyncDisposable
    {
        private TemporaryUser(string name, int uid, string home)
        {
            Name = name;
            Uid = uid;
            Home = home;
        }

        public string Name { get; }

        public int Uid { get; }

        public string Home { get; }

        public static async Task<TemporaryUser> CreateAsync(string home)
        {
            var name = "pbqs" + Guid.NewGuid().ToString("N")[..8];
            await RunCheckedAsync("useradd", ["--create-home", "--home-dir", home, "--shell", "/bin/bash", "--user-group", name]);
            return new TemporaryUser(name, await UidOfAsync(name), home);
        }

        public async ValueTask DisposeAsync()
        {
            // The local engine's per-user cache of a pristine cluster.
            var cache = $"/var/tmp/portfolio-backup-{Name}";
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            // What dotnet leaves in /tmp for every user (NuGet scratch, empty temporary folders) goes with the account.
            var leftovers = await ToolRunner.RunAsync(new ToolInvocation("find", ["/tmp", "-mindepth", "1", "-maxdepth", "1", "-uid", Uid.ToString(CultureInfo.InvariantCulture)]), timeout.Token);
            foreach (var path in leftovers.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await ToolRunner.RunAsync(new ToolInvocation("rm", ["-rf", "--", path]), timeout.Token);
            }

            await ToolRunner.RunAsync(new ToolInvocation("userdel", [Name]), timeout.Token);
        }
    }
}
