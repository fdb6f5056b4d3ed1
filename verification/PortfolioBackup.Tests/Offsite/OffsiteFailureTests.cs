using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>Real failures of the service: refused credentials, a missing bucket, an endpoint that is down or silent.</summary>
public sealed class OffsiteFailureTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    // s3rver 3.7.1 checks the access key id but not SigV4 signatures (its code: "Signature version 4 calculation is
    // unimplemented"), and SDK 4 signs only with SigV4, so a wrong secret for the right key id cannot be provoked here.
    [Fact(Timeout = 60_000)]
    public async Task Wrong_credentials_are_named_as_such_without_printing_the_secret()
    {
        const string Secret = "wrong-secret-0123456789";
        using var store = OffsiteStore.Open(server.Settings() with { AccessKeyId = "NOTTHEKEY", SecretAccessKey = Secret });

        var list = () => store.ListBackupsAsync();

        var error = (await list.Should().ThrowAsync<OffsiteException>()).Which;
        error.Failure.Should().Be(OffsiteFailure.Credentials);
        error.Message.Should().Contain($"the S3 endpoint {server.Endpoint.GetLeftPart(UriPartial.Authority)} refused the credentials")
            .And.Contain("InvalidAccessKeyId").And.Contain("check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY").And.NotContain(Secret);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_missing_bucket_is_named()
    {
        using var store = OffsiteStore.Open(server.Settings() with { Bucket = "no-such-bucket" });

        var list = () => store.ListBackupsAsync();

        var error = (await list.Should().ThrowAsync<OffsiteException>()).Which;
        error.Failure.Should().Be(OffsiteFailure.MissingBucket);
        error.Message.Should().Contain("the bucket 'no-such-bucket' does not exist at http://127.0.0.1:");
    }

    [Fact(Timeout = 60_000)]
    public async Task An_endpoint_nobody_listens_on_fails_within_seconds_and_is_named()
    {
        var port = LoopbackPorts.Closed();
        using var store = OffsiteStore.Open(server.Settings() with { Endpoint = new Uri($"http://127.0.0.1:{port}") });
        var clock = Stopwatch.StartNew();

        var list = () => store.ListBackupsAsync();

        var error = (await list.Should().ThrowAsync<OffsiteException>()).Which;
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        error.Failure.Should().Be(OffsiteFailure.Unreachable);
        error.Message.Should().Contain($"the S3 endpoint http://127.0.0.1:{port} is unreachable");
    }

    [Fact(Timeout = 60_000)]
    public async Task An_endpoint_that_accepts_but_never_answers_fails_after_the_request_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var options = new OffsiteStoreOptions { RequestTimeout = TimeSpan.FromSeconds(1), MaxRetries = 1 };
        using var store = OffsiteStore.Open(server.Settings() with { Endpoint = new Uri($"http://127.0.0.1:{port}") }, options);
        var clock = Stopwatch.StartNew();

        var list = () => store.ListBackupsAsync();

        var error = (await list.Should().ThrowAsync<OffsiteException>()).Which;
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
        error.Failure.Should().Be(OffsiteFailure.Unreachable);
        error.Message.Should().Contain($"http://127.0.0.1:{port}");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_name_outside_the_backup_pattern_is_refused_before_anything_is_sent()
    {
        using var local = new TempDirectory();
        var file = OffsiteTestFiles.WriteDump(local.Path, "d", 100);
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));

        var upload = () => store.UploadFileAsync(file, "../etc/backup_20261130_031500.dump", "00");

        (await upload.Should().ThrowAsync<OffsiteException>()).Which.Failure.Should().Be(OffsiteFailure.Refused);
        (await store.ListBackupsAsync()).Should().BeEmpty();
    }
}
