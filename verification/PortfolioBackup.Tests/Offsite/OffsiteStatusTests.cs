using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PortfolioBackup.Backup;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Retention;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>
/// <c>status</c> judges the offsite copy when a bucket is set: the newest backup in the bucket older than
/// <c>--max-offsite-age-hours</c> (26 by default), none, or a bucket that cannot be read is CRITICAL, named as such.
/// </summary>
public sealed class OffsiteStatusTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = S3ServerFixture.NewPrefix();
    private readonly DateTimeOffset _now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    public void Dispose() => _dir.Dispose();

    private string Location => $"s3://{S3ServerFixture.Bucket}/{_prefix}";

    private string Backups => _dir.Combine("backups");

    [Fact(Timeout = 120_000)]
    public async Task A_fresh_copy_in_the_bucket_is_OK_and_shown_as_the_newest_offsite_copy()
    {
        var local = await FreshVerifiedBackupAsync();
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        await UploadAsync(store, local);
        var metrics = _dir.Combine("status.prom");

        var text = await CliRunner.RunAsync(Droplet(), "status", "--metrics-file", metrics);
        var json = await CliRunner.RunAsync(Droplet(), "status", "--json");

        text.ExitCode.Should().Be(0, text.AllOutput);
        text.Output.Should().StartWith("OK - newest backup 2 h old, newest verified 2 h old, newest offsite 2 h old\n");
        text.Output.Should().Contain($"newest offsite:  {Path.GetFileName(local)} (taken {Utc(_now.AddHours(-2))}, 2 h old, ").And.Contain($") in {Location}\n");
        using var document = JsonDocument.Parse(json.Output);
        document.RootElement.GetProperty("bucket").GetString().Should().Be(Location);
        document.RootElement.GetProperty("maxOffsiteAgeHours").GetDouble().Should().Be(26);
        document.RootElement.GetProperty("newestOffsite").GetProperty("file").GetString().Should().Be(Path.GetFileName(local));
        document.RootElement.GetProperty("newestOffsite").GetProperty("takenAt").GetDateTimeOffset().Should().Be(_now.AddHours(-2));
        var samples = MetricsText.Samples(await File.ReadAllTextAsync(metrics));
        samples["portfolio_backup_newest_offsite_timestamp_seconds{database=\"portfolio\"}"].Should().Be(_now.AddHours(-2).ToUnixTimeSeconds());
        samples["portfolio_backup_offsite_readable"].Should().Be(1);
        var (promtool, problems) = await Promtool.CheckMetricsAsync(metrics);
        promtool.Should().Be(0, problems);
        problems.Trim().Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task The_newest_copy_in_the_bucket_past_the_limit_is_CRITICAL_named_as_such()
    {
        await FreshVerifiedBackupAsync();
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var newest = BackupFileName.For(_now.AddDays(-3));
        await OffsiteTestFiles.PutBackupAsync(store, _dir.Path, newest);
        await OffsiteTestFiles.PutBackupAsync(store, _dir.Path, BackupFileName.For(_now.AddDays(-4)));

        var strict = await CliRunner.RunAsync(Droplet(), "status");
        var relaxed = await CliRunner.RunAsync(Droplet(), "status", "--max-offsite-age-hours", "80");
        var off = await CliRunner.RunAsync(Droplet(), "status", "--max-offsite-age-hours", "0", "--json");
        var negative = await CliRunner.RunAsync(Droplet(), "status", "--max-offsite-age-hours", "-1");

        strict.ExitCode.Should().Be(1, strict.AllOutput);
        FirstLine(strict).Should().Be($"CRITICAL - newest offsite copy {newest} is 3 d old (limit 26 h)");
        relaxed.ExitCode.Should().Be(0, relaxed.AllOutput);
        FirstLine(relaxed).Should().Be("OK - newest backup 2 h old, newest verified 2 h old, newest offsite 3 d old");
        off.ExitCode.Should().Be(0, off.AllOutput);
        using var document = JsonDocument.Parse(off.Output);
        document.RootElement.GetProperty("maxOffsiteAgeHours").ValueKind.Should().Be(JsonValueKind.Null);
        document.RootElement.GetProperty("newestOffsite").GetProperty("file").GetString().Should().Be(newest, "the copy is still shown with the check off");
        negative.ExitCode.Should().Be(2, negative.AllOutput);
        negative.Error.Should().Contain("--max-offsite-age-hours -1 is not a positive number of hours");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_bucket_without_a_backup_is_CRITICAL_even_when_objects_are_named_like_backups()
    {
        await FreshVerifiedBackupAsync();

        var empty = await CliRunner.RunAsync(Droplet(), "status");
        await s3.PutForeignAsync($"{_prefix}/{BackupFileName.For(_now.AddHours(-1))}", "PGDMP but nobody's upload"u8.ToArray());
        var foreign = await CliRunner.RunAsync(Droplet(), "status");

        empty.ExitCode.Should().Be(1, empty.AllOutput);
        FirstLine(empty).Should().Be($"CRITICAL - no backup in {Location}");
        empty.Output.Should().Contain($"newest offsite:  none in {Location}\n");
        foreign.ExitCode.Should().Be(1, foreign.AllOutput);
        FirstLine(foreign).Should().Be($"CRITICAL - no backup in {Location} (1 object(s) only named like backups, not counted)");
    }

    [Fact(Timeout = 120_000)]
    public async Task An_unreachable_bucket_is_CRITICAL_naming_the_bucket_while_an_offsite_limit_applies()
    {
        await FreshVerifiedBackupAsync();
        var environment = Droplet();
        environment["BACKUP_S3_ENDPOINT"] = $"http://127.0.0.1:{ClosedPort()}";
        var metrics = _dir.Combine("status.prom");

        var judged = await CliRunner.RunAsync(environment, "status", "--metrics-file", metrics);
        var off = await CliRunner.RunAsync(environment, "status", "--max-offsite-age-hours", "0");

        judged.ExitCode.Should().Be(1, judged.AllOutput);
        FirstLine(judged).Should().StartWith($"CRITICAL - the bucket {Location} cannot be read, so its newest offsite copy is unknown: ").And.Contain("unreachable");
        judged.Output.Should().Contain($"newest offsite:  unknown ({Location} cannot be read)");
        var samples = MetricsText.Samples(await File.ReadAllTextAsync(metrics));
        samples["portfolio_backup_offsite_readable"].Should().Be(0);
        samples.Keys.Should().NotContain(k => k.StartsWith("portfolio_backup_newest_offsite", StringComparison.Ordinal));
        off.ExitCode.Should().Be(0, off.AllOutput);
        off.Error.Should().Contain($"warning: verdicts in {Location} at ").And.Contain("not read");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_bucket_that_refuses_the_credentials_is_CRITICAL_with_the_reason_and_no_secret()
    {
        await FreshVerifiedBackupAsync();
        var environment = Droplet();
        environment["AWS_ACCESS_KEY_ID"] = "NOT-THE-KEY";

        var run = await CliRunner.RunAsync(environment, "status", "--json");

        run.ExitCode.Should().Be(1, run.AllOutput);
        using var document = JsonDocument.Parse(run.Output);
        document.RootElement.GetProperty("status").GetString().Should().Be("CRITICAL");
        document.RootElement.GetProperty("problems")[0].GetString().Should()
            .StartWith($"the bucket {Location} cannot be read, so its newest offsite copy is unknown: ")
            .And.Contain("refused the credentials").And.Contain("check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
        document.RootElement.GetProperty("newestOffsite").ValueKind.Should().Be(JsonValueKind.Null);
        run.AllOutput.Should().NotContain(S3ServerFixture.SecretAccessKey);
    }

    [Fact]
    public async Task Without_a_bucket_status_says_so_and_judges_no_offsite_copy()
    {
        await FreshVerifiedBackupAsync();
        var environment = new Dictionary<string, string?> { ["BACKUP_DIR"] = Backups };

        var text = await CliRunner.RunAsync(environment, "status");
        var json = await CliRunner.RunAsync(environment, "status", "--json");

        text.ExitCode.Should().Be(0, text.AllOutput);
        FirstLine(text).Should().Be("OK - newest backup 2 h old, newest verified 2 h old");
        text.Output.Should().Contain("newest offsite:  none (no bucket: BACKUP_S3_BUCKET is not set)\n");
        using var document = JsonDocument.Parse(json.Output);
        document.RootElement.GetProperty("bucket").ValueKind.Should().Be(JsonValueKind.Null);
        document.RootElement.GetProperty("maxOffsiteAgeHours").ValueKind.Should().Be(JsonValueKind.Null);
        document.RootElement.GetProperty("newestOffsite").ValueKind.Should().Be(JsonValueKind.Null);
    }

    private async Task<string> FreshVerifiedBackupAsync()
    {
        Directory.CreateDirectory(Backups);
        var local = OffsiteTestFiles.WriteBackup(Backups, _now.AddHours(-2));
        await LedgerWriter.VerifiedAsync(local, healthy: true, _now.AddHours(-1));
        return local;
    }

    private static async Task UploadAsync(OffsiteStore store, string dump)
    {
        await store.UploadFileAsync(dump, Path.GetFileName(dump), OffsiteTestFiles.Sha256Of(dump));
        var manifest = BackupFileName.ManifestPathFor(dump);
        await store.UploadFileAsync(manifest, Path.GetFileName(manifest), OffsiteTestFiles.Sha256Of(manifest));
    }

    private Dictionary<string, string?> Droplet() => BucketEnvironment.Droplet(s3, _prefix, Backups);

    private static string FirstLine(CliRun run) => run.Output.Split('\n')[0];

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static int ClosedPort()
    {
        // A port that was free a moment ago and has no listener now: connections are refused at once.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
