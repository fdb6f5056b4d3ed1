using PortfolioBackup.Catalog;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;
using PortfolioBackup.Tests.Retention;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// The nightly job's verdicts live in the bucket. On a night the bucket is down, the droplet's prune must still never
/// delete the newest verified backup: the verdicts it read earlier are in its ledger, and when they are not, it deletes
/// nothing it cannot show is safe.
/// </summary>
public sealed class BucketOutageRetentionTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = S3ServerFixture.NewPrefix();
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public void Dispose() => _dir.Dispose();

    private BackupFolder Folder => new(_dir, _now);

    [Fact(Timeout = 120_000)]
    public async Task A_verdict_read_from_the_bucket_once_still_protects_its_backup_when_the_bucket_is_down()
    {
        var (verified, newer) = await ArrangeAsync();

        var up = await CliRunner.RunAsync(Environment(s3.Endpoint.ToString()), "prune", "--retention-days", "7", "--min-backups", "1");
        var down = await CliRunner.RunAsync(Environment($"http://127.0.0.1:{LoopbackPorts.Closed()}"), "prune", "--retention-days", "7", "--min-backups", "1");

        up.ExitCode.Should().Be(0, up.AllOutput);
        up.Output.Should().Contain($"note: {Path.GetFileName(verified)} is the newest verified backup");
        down.ExitCode.Should().Be(0, down.AllOutput);
        down.Error.Should().Contain("warning: verdicts in s3://");
        File.Exists(verified).Should().BeTrue("the bucket's verdict was recorded in the local ledger the night before");
        File.Exists(newer[1]).Should().BeTrue("the newest backup is kept by --min-backups 1");
        File.Exists(newer[0]).Should().BeFalse("older than 7 days, not verified, not the newest: it goes");
        (await VerificationLedger.ReadAsync(_dir.Path)).Should().ContainSingle(e => e.File == Path.GetFileName(verified) && e.Origin == "bucket");
    }

    [Fact(Timeout = 120_000)]
    public async Task With_the_bucket_down_and_no_verdict_in_the_ledger_prune_deletes_nothing_and_says_why()
    {
        var (verified, newer) = await ArrangeAsync();

        var down = await CliRunner.RunAsync(Environment($"http://127.0.0.1:{LoopbackPorts.Closed()}"), "prune", "--retention-days", "7", "--min-backups", "1");

        down.ExitCode.Should().Be(1, down.AllOutput);
        down.Error.Should().Contain("cannot prune: the bucket's verdicts could not be read")
            .And.Contain("the local ledger does not settle which backup is the newest verified")
            .And.Contain("Nothing was deleted");
        File.Exists(verified).Should().BeTrue();
        newer.Should().OnlyContain(f => File.Exists(f));
    }

    [Fact(Timeout = 120_000)]
    public async Task With_the_bucket_down_prune_still_deletes_what_is_older_than_the_newest_verified_backup_in_the_ledger()
    {
        var (verified, newer) = await ArrangeAsync();
        await LedgerWriter.VerifiedAsync(newer[1], healthy: true, DateTimeOffset.UtcNow.AddDays(-17));

        var down = await CliRunner.RunAsync(Environment($"http://127.0.0.1:{LoopbackPorts.Closed()}"), "prune", "--retention-days", "7", "--min-backups", "1");

        down.ExitCode.Should().Be(0, down.AllOutput);
        File.Exists(newer[1]).Should().BeTrue();
        File.Exists(verified).Should().BeFalse("a verdict in the bucket can only prove a newer backup the newest verified, never an older one");
        File.Exists(newer[0]).Should().BeFalse();
    }

    // Local backups 20, 19 and 18 days old; only the 20-day one was verified, by the nightly job, so its verdict is in the bucket.
    private async Task<(string Verified, IReadOnlyList<string> Newer)> ArrangeAsync()
    {
        var verified = Folder.BackupDaysOld(20);
        var newer = new[] { Folder.BackupDaysOld(19), Folder.BackupDaysOld(18) };
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        await store.PutVerdictAsync(new LedgerEntry
        {
            File = Path.GetFileName(verified),
            Sha256 = OffsiteTestFiles.Sha256Of(verified),
            VerifiedAt = DateTimeOffset.UtcNow.AddDays(-19),
            Database = "portfolio",
            Engine = "container",
            Healthy = true,
        });
        return (verified, newer);
    }

    private Dictionary<string, string?> Environment(string endpoint)
    {
        var environment = BucketEnvironment.Droplet(s3, _prefix, _dir.Path);
        environment["BACKUP_S3_ENDPOINT"] = endpoint;
        return environment;
    }
}
