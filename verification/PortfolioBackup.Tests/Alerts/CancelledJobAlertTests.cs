using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Alerts;

/// <summary>Docker-free: Ctrl-C or SIGTERM while a ping is on its way ends the job as any interruption does, and says so.</summary>
public sealed class CancelledJobAlertTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Cancelling_during_the_start_ping_exits_130_and_still_sends_the_fail_ping()
    {
        await using var endpoint = new RecordingHttpServer(EndpointBehaviour.Silent);
        Directory.CreateDirectory(_dir.Path);
        var environment = new Dictionary<string, string?> { ["BACKUP_DIR"] = _dir.Path, ["VERIFY_PING_URL"] = endpoint.Url("/ping/verify-uuid") };
        using var interrupt = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        var run = await CliRunner.RunAsync(environment, interrupt.Token, "verify", "--quick", "--backup-dir", _dir.Path);

        run.ExitCode.Should().Be(130, run.AllOutput);
        run.Error.Should().Contain("interrupted");
        endpoint.Requests.Select(r => r.Path).Should().Contain("/ping/verify-uuid/fail", "an interrupted job is a failed one, and the monitor should hear it");
    }
}
