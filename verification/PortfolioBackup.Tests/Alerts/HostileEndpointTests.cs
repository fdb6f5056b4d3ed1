using System.Diagnostics;
using PortfolioBackup.Alerts;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Alerts;

/// <summary>Docker-free: endpoints that redirect, stream without end or answer slowly get one bounded request and a warning.</summary>
public sealed class HostileEndpointTests
{
    [Theory(Timeout = 60_000)]
    [InlineData(EndpointBehaviour.Redirect307, "HTTP 307")]
    [InlineData(EndpointBehaviour.Redirect302, "HTTP 302")]
    public async Task A_redirect_is_not_followed_and_is_a_warning_naming_the_status(EndpointBehaviour redirect, string status)
    {
        await using var elsewhere = new RecordingHttpServer();
        await using var endpoint = new RecordingHttpServer(redirect) { RedirectTo = elsewhere.Url("/collect") };
        var alerts = JobAlerts.For(new AlertSettings { VerifyPingUrl = new Uri(endpoint.Url("/ping/verify-uuid")) }, AlertJob.Verify);

        var warnings = await alerts.FinishAsync(false, JobFacts.None, OutputTail.Of("error: the job's last lines"));

        warnings.Should().ContainSingle().Which.Should().Contain(status).And.Contain("redirect");
        endpoint.Requests.Should().ContainSingle();
        elsewhere.Requests.Should().BeEmpty("a body meant for one host is never re-sent to another");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_jobs_secret_that_straddles_the_cut_of_the_ping_body_is_sent_in_no_part()
    {
        const string secret = "secretpw123";
        await using var endpoint = new RecordingHttpServer();
        var alerts = JobAlerts.For(new AlertSettings { VerifyPingUrl = new Uri(endpoint.Url("/ping/verify-uuid")), Secrets = [secret] }, AlertJob.Verify);
        var output = OutputTail.Of($"password is {secret}\n{new string('x', OutputTail.MaxChars - 4)}\n");

        await alerts.FinishAsync(false, JobFacts.None, output);

        endpoint.Requests.Should().ContainSingle().Which.Body.Should().NotContain("pw123").And.NotContain("secr");
    }

    [Fact(Timeout = 60_000)]
    public async Task An_endless_answer_body_is_never_read_so_the_send_ends_at_once_with_little_transferred()
    {
        await using var endpoint = new RecordingHttpServer(EndpointBehaviour.EndlessBody);
        var alerts = JobAlerts.For(new AlertSettings { VerifyPingUrl = new Uri(endpoint.Url("/ping/verify-uuid")) }, AlertJob.Verify);
        var clock = Stopwatch.StartNew();

        var warnings = await alerts.FinishAsync(true, JobFacts.None, OutputTail.Of("ok"));

        warnings.Should().BeEmpty("a 200 is an answer, whatever follows it");
        clock.Elapsed.Should().BeLessThan(AlertHttp.Budget, "the status line is all a ping needs");
        endpoint.BodyBytesSent.Should().BeLessThan(64L << 20, "the body is not read, so it is not buffered either");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_slow_endpoint_that_received_the_request_gets_it_exactly_once()
    {
        await using var endpoint = new RecordingHttpServer(EndpointBehaviour.Slow) { SlowAnswer = TimeSpan.FromSeconds(4) };
        var alerts = JobAlerts.For(new AlertSettings { NotifyUrl = new Uri(endpoint.Url("/notify")) }, AlertJob.Backup);

        var warnings = await alerts.FinishAsync(false, JobFacts.None, OutputTail.Of("error: disk full"));
        await Task.Delay(TimeSpan.FromSeconds(1));

        warnings.Should().ContainSingle().Which.Should().Contain("no answer within");
        endpoint.Requests.Should().ContainSingle("a request the endpoint took is not sent again: the team would get every alert twice");
    }
}
