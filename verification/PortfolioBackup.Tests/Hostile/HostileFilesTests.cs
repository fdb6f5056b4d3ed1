using System.Diagnostics;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;
using PortfolioBackup.Tests.Retention;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// Files we are handed that are not what they seem (a FIFO or a 3 GB sparse file as a manifest or a key, a secret where a
/// public key belongs): each ends in a message and an exit code within seconds, never a hang, a crash or a leaked secret.
/// </summary>
public sealed class HostileFilesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory(Timeout = 60_000)]
    [InlineData("fifo")]
    [InlineData("huge")]
    public async Task A_manifest_that_is_a_FIFO_or_huge_is_an_unhealthy_verdict_within_seconds(string shape)
    {
        var dump = OffsiteTestFiles.WriteDump(_dir.Path, BackupFileName.For(DateTimeOffset.UtcNow.AddHours(-1)), 4096);
        var manifest = BackupFileName.ManifestPathFor(dump);
        MakeHostile(manifest, shape);
        var clock = Stopwatch.StartNew();

        var verify = await RunBoundedAsync(new Dictionary<string, string?> { ["BACKUP_DIR"] = _dir.Path }, "verify", "--quick", dump);

        var read = () => BackupManifest.ReadForDumpAsync(dump);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20));
        verify.ExitCode.Should().Be(1, verify.AllOutput);
        verify.AllOutput.Should().NotContain("Unhandled").And.NotContain("   at ");
        (await read.Should().ThrowAsync<InvalidManifestException>()).Which.Message.Should().Contain(shape == "fifo" ? "not a regular file" : "more than the 1048576");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("fifo")]
    [InlineData("huge")]
    public async Task An_identity_file_that_is_a_FIFO_or_huge_is_a_configuration_error_within_seconds(string shape)
    {
        var identity = _dir.Combine("key.txt");
        MakeHostile(identity, shape);
        var dump = OffsiteTestFiles.WriteAgeLike(_dir.Path, BackupFileName.For(DateTimeOffset.UtcNow, BackupFileName.BackupPrefix, encrypted: true), 4096);

        var verify = await RunBoundedAsync(new Dictionary<string, string?> { ["AGE_IDENTITY_FILE"] = identity }, "verify", "--quick", dump);

        verify.ExitCode.Should().Be(2, verify.AllOutput);
        verify.Error.Should().Contain($"AGE_IDENTITY_FILE={identity} cannot be read");
    }

    [Fact]
    public async Task A_secret_pasted_into_the_trusted_keys_is_never_shown_and_a_stray_comma_is_no_key()
    {
        const string Secret = "AGE-SECRET-KEY-1E6XLJNYUQWERTYQWERTYQWERTYQWERTYQWERTYQWERTYQWERTYQWERTYQWERT";
        var backups = _dir.Combine("b");
        Directory.CreateDirectory(backups);
        var trustedKeys = (await CliRunner.RunAsync(new Dictionary<string, string?>(), "verdict-key")).Output.Split('\n')
            .Single(l => l.StartsWith(VerdictKeys.TrustedVariable + "=", StringComparison.Ordinal))[(VerdictKeys.TrustedVariable.Length + 1)..].Trim();

        var pasted = await CliRunner.RunAsync(new Dictionary<string, string?> { ["BACKUP_DIR"] = backups, [VerdictKeys.TrustedVariable] = Secret }, "status");
        var comma = await CliRunner.RunAsync(new Dictionary<string, string?> { ["BACKUP_DIR"] = backups, [VerdictKeys.TrustedVariable] = ", " + trustedKeys + "," }, "status");

        pasted.ExitCode.Should().Be(2, pasted.AllOutput);
        pasted.AllOutput.Should().Contain("holds a secret key (the value is not shown)").And.NotContain("E6XLJ");
        comma.ExitCode.Should().Be(1, comma.AllOutput);
        comma.Output.Should().StartWith("CRITICAL - no backup");
    }

    [Fact]
    public async Task Credentials_written_into_the_s3_address_are_refused_and_never_repeated()
    {
        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "verify", "--from", "s3://AKIAEXAMPLE:hunter2secret@portfolio-backups/droplet", "--quick");

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("holds credentials").And.NotContain("hunter2secret").And.NotContain("AKIAEXAMPLE");
    }

    [Fact]
    public async Task List_counts_only_backups_and_status_reads_a_clock_minutes_ahead_as_now_and_an_unreadable_ledger_as_such()
    {
        var folder = new BackupFolder(_dir, DateTimeOffset.UtcNow);
        folder.Backup(TimeSpan.FromMinutes(-4));
        folder.Foreign(BackupFileName.For(DateTimeOffset.UtcNow.AddDays(-1)), "not a dump");
        var ledger = VerificationLedger.PathIn(_dir.Path);
        File.CreateSymbolicLink(ledger, "/nonexistent");
        var environment = new Dictionary<string, string?> { ["BACKUP_DIR"] = _dir.Path };

        var list = await CliRunner.RunAsync(environment, "list");
        var status = await CliRunner.RunAsync(environment, "status");

        list.Output.Should().Contain("1 backup, ").And.Contain("; 1 more named like backups, ignored");
        status.Output.Should().Contain("under 1 min old").And.NotContain("in the future")
            .And.Contain("no verified backup (the verification ledger cannot be read)").And.NotContain("no verification ledger yet");
    }

    private static void MakeHostile(string path, string shape)
    {
        if (shape == "fifo")
        {
            using var mkfifo = Process.Start("mkfifo", [path]);
            mkfifo.WaitForExit();
        }
        else
        {
            using var file = File.Create(path);
            file.SetLength(3L << 30);
        }
    }

    private static async Task<CliRun> RunBoundedAsync(Dictionary<string, string?> environment, params string[] args)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        return await CliRunner.RunAsync(environment, bound.Token, args);
    }
}
