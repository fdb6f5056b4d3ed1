using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Alerts;

/// <summary>
/// Docker-free: <c>ping</c> runs once per call, so a script's start and end are two processes; healthchecks.io pairs them
/// only when both carry the run id the script chose.
/// </summary>
public sealed class PingRunIdTests
{
    [Fact(Timeout = 60_000)]
    public async Task A_start_and_an_end_ping_given_one_rid_carry_that_rid()
    {
        await using var endpoint = new RecordingHttpServer();
        var environment = new Dictionary<string, string?> { ["VERIFY_PING_URL"] = endpoint.Url("/ping/verify-uuid") };
        const string rid = "5f0c8a1e-3b7d-4c2a-9e61-0d2f4b8a7c13";

        var start = await CliRunner.RunAsync(environment, "ping", "verify", "start", "--rid", rid);
        var end = await CliRunner.RunAsync(environment, "ping", "verify", "success", "--rid", rid);

        start.ExitCode.Should().Be(0, start.AllOutput);
        end.ExitCode.Should().Be(0, end.AllOutput);
        endpoint.Requests.Select(r => $"{r.Path} {r.Query("rid")}").Should().Equal($"/ping/verify-uuid/start {rid}", $"/ping/verify-uuid {rid}");
    }

    [Fact(Timeout = 60_000)]
    public async Task The_rid_can_come_from_PORTFOLIO_PING_RID_so_a_script_exports_it_once()
    {
        await using var endpoint = new RecordingHttpServer();
        var environment = new Dictionary<string, string?> { ["VERIFY_PING_URL"] = endpoint.Url("/ping/verify-uuid"), ["PORTFOLIO_PING_RID"] = "nightly-20261207" };

        await CliRunner.RunAsync(environment, "ping", "verify", "start");
        await CliRunner.RunAsync(environment, "ping", "verify", "fail");

        endpoint.Requests.Select(r => r.Query("rid")).Should().Equal("nightly-20261207", "nightly-20261207");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("a b")]
    [InlineData("x&rid=y")]
    [InlineData("../../etc")]
    public async Task A_rid_that_is_not_a_uuid_or_a_plain_token_is_a_usage_error_and_sends_nothing(string rid)
    {
        await using var endpoint = new RecordingHttpServer();
        var environment = new Dictionary<string, string?> { ["VERIFY_PING_URL"] = endpoint.Url("/ping/verify-uuid") };

        var run = await CliRunner.RunAsync(environment, "ping", "verify", "start", "--rid", rid);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("--rid");
        endpoint.Requests.Should().BeEmpty();
    }
}
