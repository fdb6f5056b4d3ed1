using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// The droplet's read-only commands when the bucket cannot answer: <c>status</c> and <c>list</c> must still answer from the
/// local folder, with a warning, in seconds (cron monitors time out, and a Nagios check that hangs is a check that lies).
/// </summary>
public sealed class SilentBucketTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    // Accepts connections (the kernel completes the handshake) and never answers: a firewall that drops, a hung proxy.
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private string _backup = "";

    public SilentBucketTests() => _silent.Start();

    public void Dispose()
    {
        _silent.Stop();
        _dir.Dispose();
    }

    [Fact(Timeout = 120_000)]
    public async Task Status_answers_from_the_local_folder_within_seconds_when_the_bucket_accepts_but_never_answers()
    {
        var environment = Environment(SilentEndpoint());
        var clock = Stopwatch.StartNew();

        var status = await RunBoundedAsync(environment, "status");

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), status.AllOutput);
        status.ExitCode.Should().Be(1, status.AllOutput);
        status.Output.Should().StartWith("CRITICAL - ").And.Contain(Path.GetFileName(_backup));
        status.Error.Should().Contain($"warning: verdicts in s3://{S3ServerFixture.Bucket}/droplet at {SilentEndpoint()} not read");
    }

    [Fact(Timeout = 120_000)]
    public async Task List_answers_from_the_local_folder_within_seconds_when_the_bucket_accepts_but_never_answers()
    {
        var environment = Environment(SilentEndpoint());
        var clock = Stopwatch.StartNew();

        var list = await RunBoundedAsync(environment, "list");

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), list.AllOutput);
        list.ExitCode.Should().Be(0, list.AllOutput);
        list.Output.Should().Contain(Path.GetFileName(_backup));
        list.Error.Should().Contain("not read");
    }

    [Fact(Timeout = 120_000)]
    public async Task Upload_gives_up_within_a_minute_and_exits_1_when_the_bucket_accepts_but_never_answers()
    {
        var environment = Environment(SilentEndpoint());
        var clock = Stopwatch.StartNew();

        var upload = await RunBoundedAsync(environment, "upload");

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), upload.AllOutput);
        upload.ExitCode.Should().Be(1, upload.AllOutput);
        upload.Error.Should().Contain($"the S3 endpoint {SilentEndpoint()} did not answer in time while listing");
        File.Exists(_backup).Should().BeTrue();
    }

    [Fact(Timeout = 120_000)]
    public async Task List_remote_still_shows_the_local_backups_when_the_bucket_is_down_and_exits_1()
    {
        var environment = Environment($"http://127.0.0.1:{LoopbackPorts.Closed()}");

        var list = await RunBoundedAsync(environment, "list", "--remote");

        list.ExitCode.Should().Be(1, list.AllOutput);
        list.Output.Should().Contain(Path.GetFileName(_backup), "the local folder answers even when the bucket cannot");
        list.Error.Should().Contain("is unreachable while listing");
    }

    private Dictionary<string, string?> Environment(string endpoint)
    {
        var backups = _dir.Combine("backups");
        Directory.CreateDirectory(backups);
        _backup = OffsiteTestFiles.WriteBackup(backups, DateTimeOffset.UtcNow.AddMinutes(-5));
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = System.Environment.GetEnvironmentVariable("HOME"),
            ["BACKUP_DIR"] = backups,
            ["BACKUP_S3_BUCKET"] = S3ServerFixture.Bucket,
            ["BACKUP_S3_PREFIX"] = "droplet",
            ["BACKUP_S3_ENDPOINT"] = endpoint,
            ["AWS_ACCESS_KEY_ID"] = S3ServerFixture.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = S3ServerFixture.SecretAccessKey,
        };
    }

    private string SilentEndpoint() => $"http://127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port}";

    // Stops a hung command after 90 s so the test fails on the clock instead of xunit's timeout.
    private static async Task<CliRun> RunBoundedAsync(Dictionary<string, string?> environment, params string[] args)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        return await CliRunner.RunAsync(environment, bound.Token, args);
    }
}
