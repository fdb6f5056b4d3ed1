using PortfolioBackup.Catalog;
using PortfolioBackup.Offsite;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>Verdicts stored as one object each under verifications/ and read back.</summary>
public sealed class OffsiteVerdictTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    private static LedgerEntry Verdict(string file, bool healthy, int minute) => new()
    {
        File = file,
        Sha256 = new string('a', 64),
        VerifiedAt = new DateTimeOffset(2026, 12, 1, 4, minute, 0, TimeSpan.Zero),
        Database = "portfolio",
        Engine = "container",
        Image = "postgres:15",
        Healthy = healthy,
        Tables = new Dictionary<string, long> { ["public.users"] = 25 },
    };

    [Fact(Timeout = 60_000)]
    public async Task A_verdict_comes_back_as_it_was_written()
    {
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix));
        var verdict = Verdict("backup_20261130_031500.dump.age", healthy: true, minute: 1);

        var key = await store.PutVerdictAsync(verdict);
        var (entries, warnings) = await store.ListVerdictsAsync();

        key.Should().MatchRegex($@"^{prefix}/verifications/backup_20261130_031500\.dump\.age\.20261201T040100000Z\.[0-9a-f]{{12}}\.json$");
        entries.Should().ContainSingle().Which.Should().BeEquivalentTo(verdict);
        warnings.Should().BeEmpty();
    }

    [Fact(Timeout = 60_000)]
    public async Task Two_verdicts_written_at_the_same_moment_both_survive()
    {
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));
        using var other = OffsiteStore.Open(store.Settings);
        var first = Verdict("backup_20261130_031500.dump", healthy: true, minute: 2);
        var second = first with { Healthy = false, Engine = "local" };

        var keys = await Task.WhenAll(store.PutVerdictAsync(first), other.PutVerdictAsync(second));
        var read = await store.ListVerdictsAsync();

        keys.Distinct().Should().HaveCount(2);
        read.Entries.Select(e => (e.Healthy, e.Engine)).Should().BeEquivalentTo([(true, "container"), (false, "local")]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Damaged_and_oversized_verdict_objects_are_skipped_with_a_warning()
    {
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix), new OffsiteStoreOptions { MaxVerdictBytes = 4096 });
        await store.PutVerdictAsync(Verdict("backup_20261130_031500.dump", healthy: true, minute: 3));
        using var raw = RawClient();
        await raw.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = S3ServerFixture.Bucket, Key = $"{prefix}/verifications/torn.json", ContentBody = "{\"file\":\"backup_2026", UseChunkEncoding = false });
        await raw.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = S3ServerFixture.Bucket, Key = $"{prefix}/verifications/null.json", ContentBody = "null", UseChunkEncoding = false });
        await raw.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = S3ServerFixture.Bucket, Key = $"{prefix}/verifications/huge.json", ContentBody = new string(' ', 5000), UseChunkEncoding = false });

        var (entries, warnings) = await store.ListVerdictsAsync();

        entries.Should().ContainSingle();
        warnings.Should().HaveCount(3);
        warnings.Should().Contain(w => w.Contains("torn.json") && w.Contains("not a verification entry"));
        warnings.Should().Contain(w => w.Contains("null.json"));
        warnings.Should().Contain(w => w.Contains("huge.json") && w.Contains("5000 bytes"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Verdicts_of_another_prefix_are_not_read()
    {
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix));
        using var sibling = OffsiteStore.Open(server.Settings(prefix + "2"));
        await sibling.PutVerdictAsync(Verdict("backup_20261130_031500.dump", healthy: true, minute: 4));

        var read = await store.ListVerdictsAsync();

        read.Entries.Should().BeEmpty();
    }

    private Amazon.S3.AmazonS3Client RawClient() => new(
        new Amazon.Runtime.BasicAWSCredentials(S3ServerFixture.AccessKeyId, S3ServerFixture.SecretAccessKey),
        new Amazon.S3.AmazonS3Config { ServiceURL = server.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED });
}
