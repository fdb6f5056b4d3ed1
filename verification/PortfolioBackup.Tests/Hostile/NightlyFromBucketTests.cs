using PortfolioBackup.Backup;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;
using PortfolioBackup.Tests.Verification;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// The nightly job as it runs: the droplet backs up and uploads, CI verifies from the bucket in a fresh folder. Its
/// comparisons with earlier verifications, its rule of what a backup is, and its handling of a flaky network must be the
/// same as on the droplet. Real pg_dump, PostgreSQL and s3rver on loopback.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NightlyFromBucketTests(PostgresServerFixture fixture, S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = S3ServerFixture.NewPrefix();

    private string Source => $"s3://{S3ServerFixture.Bucket}/{_prefix}";

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task Verify_from_the_bucket_compares_with_the_verdicts_earlier_nights_left_there()
    {
        var database = await fixture.CreateDatabaseAsync();
        var droplet = fixture.CliEnvironment(database, _dir.Combine("backups")).WithBucket(s3, _prefix);
        (await CliRunner.RunAsync(droplet, "backup")).ExitCode.Should().Be(0);
        var first = await CliRunner.RunAsync(Nightly(), "verify", "--from", Source, "--latest", "--engine", "local");
        first.ExitCode.Should().Be(0, first.AllOutput);

        // The app loses most of a table; the next backup is faithful to that, and the alarm must still ring.
        await fixture.ExecuteAsync(database, "DELETE FROM images WHERE id % 10 <> 0");
        await Task.Delay(1100);
        (await CliRunner.RunAsync(droplet, "backup")).ExitCode.Should().Be(0);
        var second = await CliRunner.RunAsync(Nightly(), "verify", "--from", Source, "--latest", "--engine", "local");

        second.ExitCode.Should().Be(1, second.AllOutput);
        second.Output.Should().Contain("FAIL  row-drop: public.images: 137 → 13 rows since the last verified backup");
    }

    [Fact(Timeout = 300_000)]
    public async Task A_plain_dump_named_dump_age_in_the_bucket_is_not_healthy_without_a_key()
    {
        var database = await fixture.CreateDatabaseAsync();
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var name = BackupFileName.For(DateTimeOffset.UtcNow.AddMinutes(-5), BackupFileName.BackupPrefix, encrypted: true);
        var plain = await TestDumps.DumpAsync(fixture, database, _dir.Combine(name));
        await TestDumps.WriteManifestAsync(fixture, database, plain);
        await store.UploadFileAsync(plain, name, OffsiteTestFiles.Sha256Of(plain));
        await store.UploadFileAsync(BackupFileName.ManifestPathFor(plain), name + BackupFileName.ManifestSuffix, OffsiteTestFiles.Sha256Of(BackupFileName.ManifestPathFor(plain)));

        var quick = await CliRunner.RunAsync(Nightly(), "verify", "--from", Source, "--quick");
        var full = await CliRunner.RunAsync(Nightly(), "verify", "--from", Source, "--engine", "local");

        quick.ExitCode.Should().Be(1, quick.AllOutput);
        full.ExitCode.Should().Be(1, full.AllOutput);
        foreach (var run in new[] { quick, full })
        {
            run.Output.Should().Contain($"{name}: NOT HEALTHY").And.Contain("not an age-encrypted file");
        }

        (await store.ListVerdictsAsync()).Entries.Should().ContainSingle().Which.Healthy.Should().BeFalse("the bucket's copy is not what its name promises");
    }

    [Theory(Timeout = 300_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_download_that_keeps_breaking_off_fails_that_backup_alone_and_writes_no_verdict_on_it(bool reset)
    {
        var database = await fixture.CreateDatabaseAsync();
        var droplet = fixture.CliEnvironment(database, _dir.Combine("backups")).WithBucket(s3, _prefix);
        (await CliRunner.RunAsync(droplet, "backup")).ExitCode.Should().Be(0);
        await Task.Delay(1100);
        (await CliRunner.RunAsync(droplet, "backup")).ExitCode.Should().Be(0);
        var names = Directory.GetFiles(_dir.Combine("backups"), "backup_*.dump").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        await using var proxy = new CuttingProxy(s3.Endpoint) { CutPathSuffix = "/" + names[1], Reset = reset };
        var nightly = Nightly();
        nightly["BACKUP_S3_ENDPOINT"] = proxy.Endpoint.ToString();

        var run = await CliRunner.RunAsync(nightly, "verify", "--from", Source, "--engine", "local");

        run.ExitCode.Should().Be(1, run.AllOutput);
        proxy.Cuts.Should().BeGreaterThanOrEqualTo(2, "a connection cut midway is tried again");
        run.Output.Should().Contain($"{names[0]}: healthy").And.Contain($"{names[1]}: NOT HEALTHY").And.Contain("could not be downloaded")
            .And.Contain("1 verdict(s) written to the bucket");
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        (await store.ListVerdictsAsync()).Entries.Should().ContainSingle().Which.File.Should().Be(names[0], "a backup that was never downloaded was not judged");
    }

    private Dictionary<string, string?> Nightly() => BucketEnvironment.Nightly(s3, _prefix, identity: null);
}
