using PortfolioBackup.Backup;
using PortfolioBackup.Encryption;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Lifetime;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Encryption;

/// <summary>SIGKILL of a verify that decrypted a dump: the private plaintext copy goes with the run; no child ever saw the key.</summary>
[Collection(PostgresCollection.Name)]
public sealed class KilledDecryptionTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Killing_a_full_verify_removes_the_decrypted_copy_and_no_child_had_the_key_in_its_environment()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await Backup.BackupTestSupport.AddBulkTableAsync(fixture, database, 400_000);
        var keys = await AgeKeys.CreateAsync();
        var settings = Backup.BackupTestSupport.Settings(fixture, database, _dir.Path) with { AgeRecipients = [keys.Public], CountRows = false };
        await BackupRunner.RunAsync(settings);
        var env = fixture.CliEnvironment(database, _dir.Path);
        env["AGE_IDENTITY"] = keys.Secret;

        // Act
        await using var cli = CliProcess.Start(env, "verify", "--engine", "local", "--jobs", "1");
        string? folder = null;
        var found = await ProcFs.WaitUntilAsync(() => (folder = DecryptedFolderOf(cli.ProcessId)) is not null, TimeSpan.FromSeconds(60));
        found.Should().BeTrue("verify decrypts the dump into a private folder first; output: " + cli.Output);
        var mode = File.GetUnixFileMode(folder!);
        await ProcFs.WaitUntilAsync(() => ProcFs.Descendants(cli.ProcessId).Any(p => ProcFs.CommandLine(p).Contains("pg_restore", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        var children = ProcFs.Descendants(cli.ProcessId);
        var leaks = children.Where(p => ProcFs.Environment(p).Any(v => v.StartsWith("AGE_IDENTITY=", StringComparison.Ordinal) || v.Contains(keys.SecretLine, StringComparison.Ordinal))).ToList();
        var argvLeaks = children.Where(p => ProcFs.CommandLine(p).Contains("AGE-SECRET-KEY", StringComparison.Ordinal)).ToList();
        ProcFs.Kill(cli.ProcessId);
        await cli.WaitAsync();

        // Assert
        mode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        children.Should().NotBeEmpty();
        leaks.Should().BeEmpty("AGE_IDENTITY is stripped from every child's environment");
        argvLeaks.Should().BeEmpty("the key reaches age only on stdin");
        (await ProcFs.WaitUntilAsync(() => !Directory.Exists(folder), TimeSpan.FromSeconds(10))).Should().BeTrue($"the watchdog removes {folder} when its run dies");
    }

    private static string? DecryptedFolderOf(int pid) =>
        DecryptedCopy.Parents.Where(Directory.Exists)
            .SelectMany(p => Directory.GetDirectories(p, PrivateFolder.DecryptedPrefix + "*"))
            .FirstOrDefault(d =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(d, "owner")).StartsWith($"{pid}.", StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            });
}
