using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;

namespace PortfolioBackup.Tests.Alerts;

/// <summary>
/// <c>upload</c> on its own (cron, every few hours) proves nothing about backups being made, so it must not keep the backup
/// dead-man quiet: it pings BACKUP_PING_URL only to say it failed.
/// </summary>
public sealed class UploadAlertTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task An_upload_with_nothing_new_sends_no_ping_so_the_backup_dead_man_still_fires_when_backups_stop()
    {
        await using var endpoint = new RecordingHttpServer();
        Directory.CreateDirectory(_dir.Path);
        var environment = BucketEnvironment.Droplet(s3, "upload-alerts-" + Guid.NewGuid().ToString("N")[..8], _dir.Path);
        environment["BACKUP_PING_URL"] = endpoint.Url("/ping/backup-uuid");

        var run = await CliRunner.RunAsync(environment, "upload");

        run.ExitCode.Should().Be(0, run.AllOutput);
        endpoint.Requests.Should().BeEmpty("an upload is not a backup: neither its start nor its success may count as one");
    }

    [Fact(Timeout = 120_000)]
    public async Task An_upload_that_fails_sends_the_backup_fail_ping_and_a_notification()
    {
        await using var endpoint = new RecordingHttpServer();
        Directory.CreateDirectory(_dir.Path);
        var environment = BucketEnvironment.Droplet(s3, "upload-alerts", _dir.Path);
        environment["BACKUP_S3_ENDPOINT"] = $"http://127.0.0.1:{LoopbackPorts.Closed()}";
        environment["BACKUP_PING_URL"] = endpoint.Url("/ping/backup-uuid");
        environment["NOTIFY_URL"] = endpoint.Url("/notify");

        var run = await CliRunner.RunAsync(environment, "upload");

        run.ExitCode.Should().Be(1, run.AllOutput);
        endpoint.Requests.Select(r => r.Path).Should().BeEquivalentTo(["/ping/backup-uuid/fail", "/notify"]);
    }
}
