using System.Text.Json;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Alerts;

/// <summary>Docker-free: a script's fail ping goes out whatever its report says, and never calls a failed night healthy.</summary>
public sealed class PingReportTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory(Timeout = 60_000)]
    [InlineData("")]
    [InlineData("{\"dumps\": [")]
    public async Task A_fail_ping_with_an_empty_or_corrupt_report_is_still_sent_and_names_the_unreadable_report(string report)
    {
        await using var endpoint = new RecordingHttpServer();
        Directory.CreateDirectory(_dir.Path);
        File.WriteAllText(_dir.Combine("report.json"), report);

        var run = await CliRunner.RunAsync(Alerting(endpoint), "ping", "verify", "fail", "--report", _dir.Combine("report.json"));

        run.ExitCode.Should().Be(0, run.AllOutput);
        endpoint.Requests.Select(r => r.Path).Should().BeEquivalentTo(["/ping/verify-uuid/fail", "/notify"]);
        Notification(endpoint).GetProperty("detail").GetString().Should().Contain("report.json could not be read");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failed_suite_whose_report_says_all_healthy_is_not_notified_as_healthy_but_by_the_logs_last_error()
    {
        await using var endpoint = new RecordingHttpServer();
        Directory.CreateDirectory(_dir.Path);
        var healthy = new VerificationReportDocument("full", [new VerificationReportDocument.Dump("/b/backup_20261207_021500.dump", true, "local", null, "17", 3.2, null, "portfolio", null, null, [], null, null, null)], null, true);
        File.WriteAllText(_dir.Combine("report.json"), healthy.ToJson());
        File.WriteAllText(_dir.Combine("suite.log"), "starting\nerror: the snapshot folder /srv/snapshots is not writable\n  Failed Nightly.Snapshot [1 s]\nTotal tests: 9\n");

        var run = await CliRunner.RunAsync(Alerting(endpoint), "ping", "verify", "fail", "--log", _dir.Combine("suite.log"), "--report", _dir.Combine("report.json"));

        run.ExitCode.Should().Be(0, run.AllOutput);
        var detail = Notification(endpoint).GetProperty("detail").GetString();
        detail.Should().Contain("for a reason other than dump health").And.Contain("the snapshot folder /srv/snapshots is not writable").And.NotStartWith("1 of 1");
    }

    [Theory(Timeout = 60_000)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task A_secret_in_the_log_that_straddles_the_cut_of_the_body_is_sent_in_no_part(int keptOfSecret)
    {
        const string secret = "secretpw123";
        await using var endpoint = new RecordingHttpServer();
        Directory.CreateDirectory(_dir.Path);
        File.WriteAllText(_dir.Combine("job.log"), $"password is {secret}\n{new string('x', PortfolioBackup.Alerts.OutputTail.MaxChars - keptOfSecret - 1)}\n");
        var environment = Alerting(endpoint);
        environment["DB_PASSWORD"] = secret;

        var run = await CliRunner.RunAsync(environment, "ping", "verify", "fail", "--log", _dir.Combine("job.log"));

        run.ExitCode.Should().Be(0, run.AllOutput);
        var ping = endpoint.Requests.Single(r => r.Path == "/ping/verify-uuid/fail").Body;
        ping.Should().NotContain("pw123").And.NotContain("123\n").And.NotContain("secr");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_typo_in_another_jobs_ping_url_does_not_silence_this_ones()
    {
        await using var endpoint = new RecordingHttpServer();
        var environment = Alerting(endpoint);
        environment["BACKUP_PING_URL"] = "ftp://typo";

        var ping = await CliRunner.RunAsync(environment, "ping", "verify", "start");
        var status = await CliRunner.RunAsync(new Dictionary<string, string?> { ["NOTIFY_ON"] = "sometimes", ["BACKUP_DIR"] = _dir.Path }, "status");

        ping.ExitCode.Should().Be(0, ping.AllOutput);
        endpoint.Requests.Select(r => r.Path).Should().Equal("/ping/verify-uuid/start");
        status.ExitCode.Should().Be(1, "no NOTIFY_URL, so NOTIFY_ON has nothing to decide; the folder has no backup: " + status.AllOutput);
    }

    private static Dictionary<string, string?> Alerting(RecordingHttpServer endpoint) => new()
    {
        ["VERIFY_PING_URL"] = endpoint.Url("/ping/verify-uuid"),
        ["NOTIFY_URL"] = endpoint.Url("/notify"),
    };

    private static JsonElement Notification(RecordingHttpServer endpoint) =>
        JsonDocument.Parse(endpoint.Requests.Single(r => r.Path == "/notify").Body).RootElement;
}
