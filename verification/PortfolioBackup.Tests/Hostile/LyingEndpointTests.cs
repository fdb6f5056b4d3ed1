using System.Diagnostics;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// An endpoint that speaks S3's XML but lies: a listing that never ends, keys outside the prefix asked for. Every command
/// ends with a message naming the endpoint and an exit code, never a hang or a stack trace.
/// </summary>
public sealed class LyingEndpointTests : IDisposable
{
    private const string Bucket = S3ServerFixture.Bucket;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task A_listing_that_hands_back_the_same_continuation_token_fails_the_upload_in_seconds()
    {
        await using var endless = new ScriptedHttpServer(_ => (200, "application/xml", ScriptedHttpServer.ListPage(Bucket, "droplet/", [], nextToken: "again")));
        var clock = Stopwatch.StartNew();

        var upload = await RunBoundedAsync(Environment(endless.Endpoint), "upload");

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), upload.AllOutput);
        upload.ExitCode.Should().Be(1, upload.AllOutput);
        upload.Error.Should().Contain("does not end (the same continuation token twice)").And.Contain("BACKUP_S3_ENDPOINT");
        endless.Requests.Should().BeLessThan(10);
    }

    [Fact(Timeout = 120_000)]
    public async Task Keys_listed_outside_the_prefix_are_never_named_or_counted_and_nothing_crashes()
    {
        await using var stray = new ScriptedHttpServer(_ => (200, "application/xml", ScriptedHttpServer.ListPage(Bucket, "droplet/", ["x", "other/backup_20261201_031500.dump", "dropletbackup_20261201_031500.dump"], nextToken: null)));
        using var store = OffsiteStore.Open(new OffsiteSettings { Bucket = Bucket, Prefix = "droplet", Endpoint = stray.Endpoint, AccessKeyId = "K", SecretAccessKey = "S" });

        var listed = await store.ListBackupsAsync();
        var list = await RunBoundedAsync(Environment(stray.Endpoint), "list", "--remote");
        var status = await RunBoundedAsync(Environment(stray.Endpoint), "status");

        listed.Should().BeEmpty();
        list.ExitCode.Should().Be(0, list.AllOutput);
        list.AllOutput.Should().NotContain("Unhandled").And.NotContain("   at ");
        status.ExitCode.Should().Be(1, status.AllOutput);
        status.Output.Should().StartWith("CRITICAL - ");
    }

    private Dictionary<string, string?> Environment(Uri endpoint)
    {
        var backups = _dir.Combine("backups");
        Directory.CreateDirectory(backups);
        if (Directory.GetFiles(backups).Length == 0)
        {
            OffsiteTestFiles.WriteBackup(backups, DateTimeOffset.UtcNow.AddMinutes(-5));
        }

        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH"),
            ["BACKUP_DIR"] = backups,
            ["BACKUP_S3_BUCKET"] = Bucket,
            ["BACKUP_S3_PREFIX"] = "droplet",
            ["BACKUP_S3_ENDPOINT"] = endpoint.ToString(),
            ["AWS_ACCESS_KEY_ID"] = "K",
            ["AWS_SECRET_ACCESS_KEY"] = "S",
        };
    }

    private static async Task<CliRun> RunBoundedAsync(Dictionary<string, string?> environment, params string[] args)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        return await CliRunner.RunAsync(environment, bound.Token, args);
    }
}
