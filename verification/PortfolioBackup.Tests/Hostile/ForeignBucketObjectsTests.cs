using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;
using PortfolioBackup.Tests.Retention;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// The bucket is a second backup folder: objects only named like backups (nobody's upload, no manifest, no SHA-256) are
/// never counted, never "the newest", never deleted, and a verdict is believed only for the exact bytes it saw.
/// </summary>
public sealed class ForeignBucketObjectsTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = S3ServerFixture.NewPrefix();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task Bucket_retention_keeps_the_real_backups_when_newer_objects_are_only_named_like_backups()
    {
        var now = DateTimeOffset.UtcNow;
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var real = new List<string>();
        foreach (var days in new[] { 20, 21, 22 })
        {
            var name = BackupFileName.For(now.AddDays(-days), BackupFileName.BackupPrefix, encrypted: true);
            await OffsiteTestFiles.PutBackupAsync(store, _dir.Path, name);
            real.Add(name);
        }

        var junk = new List<string>();
        foreach (var hours in new[] { 1, 2, 3 })
        {
            var name = BackupFileName.For(now.AddHours(-hours), BackupFileName.BackupPrefix, encrypted: true);
            await s3.PutForeignAsync($"{_prefix}/{name}", "garbage"u8.ToArray());
            junk.Add(name);
        }

        var upload = await CliRunner.RunAsync(DropletEnvironment(), "upload", "--retention-days", "7", "--min-backups", "3");

        upload.ExitCode.Should().Be(0, upload.AllOutput);
        (await store.ListBackupsAsync()).Select(b => b.Name).Should().BeEquivalentTo(real.Concat(junk),
            "the three real backups are the newest three that count; the junk is never counted, kept as newest or deleted");
        upload.Output.Should().Contain($"ignored: {junk[0]}").And.Contain("no manifest");
    }

    [Fact(Timeout = 120_000)]
    public async Task An_object_whose_SHA_256_is_not_recorded_by_our_upload_is_never_a_backup()
    {
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var name = BackupFileName.For(DateTimeOffset.UtcNow.AddDays(-30));
        var sha = await OffsiteTestFiles.PutBackupAsync(store, _dir.Path, name);

        // The same bytes written again by someone else: the manifest is still there, the recorded SHA-256 is not.
        var local = OffsiteTestFiles.WriteDump(_dir.Path, "copy", 2048);
        await s3.PutForeignAsync($"{_prefix}/{name}", await File.ReadAllBytesAsync(local));

        var entry = (await store.ListBackupsAsync()).Single().ToEntry();

        entry.ContentProblem.Should().Be("no SHA-256 recorded with the object: not uploaded by portfolio-backup");
        sha.Should().NotBeNullOrEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task List_shows_a_healthy_verdict_only_on_the_bytes_it_saw_in_the_bucket_and_in_the_folder()
    {
        var now = DateTimeOffset.UtcNow;
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var backups = _dir.Combine("backups");
        Directory.CreateDirectory(backups);
        var local = OffsiteTestFiles.WriteBackup(backups, now.AddHours(-2));
        var name = Path.GetFileName(local);
        var remoteName = BackupFileName.For(now.AddHours(-5));
        await OffsiteTestFiles.PutBackupAsync(store, _dir.Path, remoteName);

        // A healthy verdict on each name, but for other bytes; and the local file damaged after a verdict on its real bytes.
        await store.PutVerdictAsync(Verdict(remoteName, new string('b', 64), now));
        await LedgerWriter.VerifiedAsync(local, healthy: true, now.AddHours(-1));
        await using (var file = new FileStream(local, FileMode.Open, FileAccess.Write))
        {
            file.Position = 100;
            file.WriteByte(0xFF);
        }

        var list = await CliRunner.RunAsync(DropletEnvironment(backups), "list", "--remote");
        var status = await CliRunner.RunAsync(DropletEnvironment(backups), "status");

        list.ExitCode.Should().Be(0, list.AllOutput);
        Line(list.Output, name).Should().Contain("none on these bytes").And.NotContain("healthy");
        Line(list.Output, remoteName).Should().Contain("none on these bytes").And.NotContain("healthy");
        status.Output.Should().StartWith("CRITICAL - ").And.Contain("no verified backup");
    }

    [Fact(Timeout = 120_000)]
    public async Task List_remote_answers_within_one_lookup_budget_when_the_bucket_accepts_but_never_answers()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var backups = _dir.Combine("backups");
        Directory.CreateDirectory(backups);
        OffsiteTestFiles.WriteBackup(backups, DateTimeOffset.UtcNow.AddMinutes(-5));
        var environment = DropletEnvironment(backups);
        environment["BACKUP_S3_ENDPOINT"] = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        var clock = Stopwatch.StartNew();

        var list = await CliRunner.RunAsync(environment, "list", "--remote");

        clock.Elapsed.Should().BeLessThan(OffsiteStoreOptions.LookupBudget + TimeSpan.FromSeconds(3), "the listing and the verdicts share one budget");
        list.ExitCode.Should().Be(1, list.AllOutput);
        list.Error.Should().Contain("did not answer").And.Contain("error: the bucket's backups are not listed");
    }

    private Dictionary<string, string?> DropletEnvironment(string? backups = null)
    {
        backups ??= _dir.Combine("empty");
        Directory.CreateDirectory(backups);
        return BucketEnvironment.Droplet(s3, _prefix, backups);
    }

    private static string Line(string output, string name) =>
        output.Split('\n').Should().ContainSingle(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Subject;

    private static LedgerEntry Verdict(string file, string sha, DateTimeOffset at) => new()
    {
        File = file,
        Sha256 = sha,
        VerifiedAt = at.AddMinutes(-30),
        Database = "portfolio",
        Engine = "container",
        Healthy = true,
    };
}
