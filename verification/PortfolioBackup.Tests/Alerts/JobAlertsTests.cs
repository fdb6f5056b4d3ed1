using System.Diagnostics;
using System.Text.Json;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Verification;

namespace PortfolioBackup.Tests.Alerts;

/// <summary>
/// Real jobs against a loopback endpoint standing in for healthchecks.io and a Slack webhook: start and success pings for
/// a good run, a fail ping and one notification naming the problem for each failure, no secret in any body, and an
/// endpoint that is dead or lies costs seconds and changes no exit code.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class JobAlertsTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task A_successful_backup_sends_a_start_and_a_success_ping_of_one_run_and_no_notification()
    {
        await using var endpoint = new RecordingHttpServer();
        var database = await fixture.CreateDatabaseAsync();

        var run = await CliRunner.RunAsync(Alerting(fixture.CliEnvironment(database, _dir.Combine("backups")), endpoint), "backup");

        run.ExitCode.Should().Be(0, run.AllOutput);
        var requests = endpoint.Requests;
        requests.Select(r => $"{r.Method} {r.Path}").Should().Equal("POST /ping/backup-uuid/start", "POST /ping/backup-uuid");
        requests[0].Query("rid").Should().NotBeNullOrEmpty().And.Be(requests[1].Query("rid"));
        requests[1].Body.Should().Contain("backup written: ").And.Contain("10 tables, 243 rows").And.NotContain(fixture.Password);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_failed_backup_sends_a_fail_ping_and_one_notification_naming_it_without_the_password()
    {
        await using var endpoint = new RecordingHttpServer();
        var environment = Alerting(fixture.CliEnvironment("no_such_database", _dir.Combine("backups")), endpoint);

        var run = await CliRunner.RunAsync(environment, "backup");

        run.ExitCode.Should().Be(1, run.AllOutput);
        endpoint.Requests.Select(r => r.Path).Should().StartWith("/ping/backup-uuid/start").And.BeEquivalentTo(["/ping/backup-uuid/start", "/ping/backup-uuid/fail", "/notify"], "the end's ping and notification go out at once");
        var notification = Notification(endpoint);
        notification.GetProperty("event").GetString().Should().Be("backup-failed");
        notification.GetProperty("database").GetString().Should().Be("no_such_database");
        notification.GetProperty("detail").GetString().Should().StartWith("error: ").And.Contain("no_such_database");
        endpoint.Requests.Should().OnlyContain(r => !r.Body.Contains(fixture.Password, StringComparison.Ordinal));
    }

    [Fact(Timeout = 180_000)]
    public async Task A_dump_that_is_not_healthy_sends_a_fail_ping_and_a_notification_naming_the_file_and_the_first_failed_check()
    {
        await using var endpoint = new RecordingHttpServer();
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump, m => m with { Tables = [.. m.Tables!.Select(t => t.Name == "users" ? t with { Rows = t.Rows + 1 } : t)] });

        var run = await CliRunner.RunAsync(Alerting(fixture.CliEnvironment(database, _dir.Path), endpoint), "verify", "--engine", "local", dump);

        run.ExitCode.Should().Be(1, run.AllOutput);
        endpoint.Requests.Select(r => r.Path).Should().StartWith("/ping/verify-uuid/start").And.BeEquivalentTo(["/ping/verify-uuid/start", "/ping/verify-uuid/fail", "/notify"], "the end's ping and notification go out at once");
        var notification = Notification(endpoint);
        notification.GetProperty("event").GetString().Should().Be("dump-unhealthy");
        notification.GetProperty("file").GetString().Should().Be(Path.GetFileName(dump));
        notification.GetProperty("check").GetString().Should().Be("dump-rows: public.users: expected 26 rows, the dump holds 25");
        notification.GetProperty("text").GetString().Should().Contain("a backup is NOT healthy");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_backup_whose_bucket_is_unreachable_keeps_the_backup_and_notifies_that_the_upload_failed()
    {
        await using var endpoint = new RecordingHttpServer();
        var database = await fixture.CreateDatabaseAsync();
        var environment = Alerting(fixture.CliEnvironment(database, _dir.Combine("backups")), endpoint);
        environment["BACKUP_S3_BUCKET"] = "backups";
        environment["BACKUP_S3_ENDPOINT"] = $"http://127.0.0.1:{ClosedPort()}";
        environment["AWS_ACCESS_KEY_ID"] = "S3RVER";
        environment["AWS_SECRET_ACCESS_KEY"] = "bucket-secret-0123456789";

        var run = await CliRunner.RunAsync(environment, "backup");

        run.ExitCode.Should().Be(1, run.AllOutput);
        Directory.GetFiles(_dir.Combine("backups"), "backup_*.dump").Should().ContainSingle();
        endpoint.Requests.Select(r => r.Path).Should().StartWith("/ping/backup-uuid/start").And.BeEquivalentTo(["/ping/backup-uuid/start", "/ping/backup-uuid/fail", "/notify"], "the end's ping and notification go out at once");
        Notification(endpoint).GetProperty("event").GetString().Should().Be("upload-failed");
        endpoint.Requests.Should().OnlyContain(r => !r.Body.Contains("bucket-secret", StringComparison.Ordinal) && !r.Body.Contains(fixture.Password, StringComparison.Ordinal));
    }

    [Theory(Timeout = 120_000)]
    [InlineData(EndpointBehaviour.Silent)]
    [InlineData(EndpointBehaviour.Reset)]
    [InlineData(EndpointBehaviour.ServerError)]
    public async Task An_endpoint_that_is_silent_resets_or_errs_costs_seconds_and_changes_no_exit_code(EndpointBehaviour behaviour)
    {
        await using var endpoint = new RecordingHttpServer(behaviour);
        var database = await fixture.CreateDatabaseAsync();
        var environment = Alerting(fixture.CliEnvironment(database, _dir.Combine("backups")), endpoint);
        environment["NOTIFY_ON"] = "always";
        var clock = Stopwatch.StartNew();

        var run = await CliRunner.RunAsync(environment, "backup");

        run.ExitCode.Should().Be(0, run.AllOutput);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(25), "a start ping and the end's ping and notification each get at most 6 s");
        run.Error.Should().Contain($"warning: the start ping to http://127.0.0.1:{endpoint.Port}/… failed").And.Contain("the job's outcome is unchanged")
            .And.NotContain("backup-uuid").And.NotContain("   at ");
    }

    [Fact(Timeout = 60_000)]
    public async Task An_endpoint_nobody_listens_on_is_a_warning_and_the_job_still_succeeds()
    {
        var environment = new Dictionary<string, string?>
        {
            ["BACKUP_DIR"] = _dir.Path,
            ["VERIFY_PING_URL"] = $"http://127.0.0.1:{ClosedPort()}/ping/verify-uuid",
        };
        Directory.CreateDirectory(_dir.Path);

        var run = await CliRunner.RunAsync(environment, "verify", "--quick", "--backup-dir", _dir.Path);

        run.Error.Should().Contain("warning: the start ping to").And.Contain("ConnectionError");
        run.ExitCode.Should().Be(1, "nothing to verify fails, with or without a ping");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_critical_status_notifies_once_and_sends_no_ping()
    {
        await using var endpoint = new RecordingHttpServer();
        var environment = Alerting(new Dictionary<string, string?> { ["BACKUP_DIR"] = _dir.Path }, endpoint);
        Directory.CreateDirectory(_dir.Path);

        var run = await CliRunner.RunAsync(environment, "status", "--json");

        run.ExitCode.Should().Be(1, run.AllOutput);
        endpoint.Requests.Select(r => r.Path).Should().Equal("/notify");
        var notification = Notification(endpoint);
        notification.GetProperty("event").GetString().Should().Be("status-critical");
        notification.GetProperty("detail").GetString().Should().StartWith("CRITICAL - no backup_*.dump");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_ping_url_that_is_not_a_url_stops_the_job_before_it_runs()
    {
        var run = await CliRunner.RunAsync(new Dictionary<string, string?> { ["BACKUP_DIR"] = _dir.Path, ["BACKUP_PING_URL"] = "hc-ping.com/abc-secret" }, "backup");

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("BACKUP_PING_URL is not an http:// or https:// URL").And.NotContain("abc-secret");
        Directory.Exists(_dir.Combine("backup_")).Should().BeFalse();
    }

    private static Dictionary<string, string?> Alerting(Dictionary<string, string?> environment, RecordingHttpServer endpoint)
    {
        environment["BACKUP_PING_URL"] = endpoint.Url("/ping/backup-uuid");
        environment["VERIFY_PING_URL"] = endpoint.Url("/ping/verify-uuid");
        environment["NOTIFY_URL"] = endpoint.Url("/notify");
        return environment;
    }

    private static JsonElement Notification(RecordingHttpServer endpoint)
    {
        var posts = endpoint.Requests.Where(r => r.Path == "/notify").ToList();
        posts.Should().ContainSingle();
        posts[0].ContentType.Should().StartWith("application/json");
        return JsonDocument.Parse(posts[0].Body).RootElement;
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
