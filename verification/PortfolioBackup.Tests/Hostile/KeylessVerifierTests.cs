using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Encryption;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// A nightly job whose secret key is missing, wrong or mangled (a CI secret not set, rotated, pasted with a typo) cannot
/// judge an encrypted backup: that is its own failure, and it must say so without telling the bucket the backup is bad.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KeylessVerifierTests(PostgresServerFixture fixture, S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = S3ServerFixture.NewPrefix();
    private AgeKeys _key = null!;
    private AgeKeys _otherKey = null!;

    public async Task InitializeAsync()
    {
        _key = await AgeKeys.CreateAsync();
        _otherKey = await AgeKeys.CreateAsync();
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_verifier_without_a_key_writes_no_verdict_on_a_good_backup_to_the_bucket()
    {
        var backups = _dir.Combine("backups");
        var backup = await CliRunner.RunAsync(DropletEnvironment(await fixture.CreateDatabaseAsync(), backups), "backup");
        backup.ExitCode.Should().Be(0, backup.AllOutput);
        var name = Path.GetFileName(Directory.GetFiles(backups, "backup_*.dump.age").Single());

        var keyless = await CliRunner.RunAsync(BucketEnvironment.Nightly(s3, _prefix, identity: null), "verify", "--from", $"s3://{S3ServerFixture.Bucket}/{_prefix}", "--latest", "--engine", "local");

        keyless.ExitCode.Should().Be(1, keyless.AllOutput);
        keyless.Output.Should().Contain("set AGE_IDENTITY or AGE_IDENTITY_FILE").And.Contain("0 verdict(s) written to the bucket")
            .And.Contain($"the verdict on {name} was not written to the bucket: no AGE_IDENTITY was given");
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        (await store.ListVerdictsAsync()).Entries.Should().BeEmpty(
            "a verifier without its key has judged its own configuration, not the backup; the droplet's list would show the good backup as UNHEALTHY");
    }

    // A key that matches none of the recipients is different: the backup cannot be read with the key that is meant to
    // recover it (a rotated key the droplet never got), which the droplet's list must show.
    [Fact]
    public async Task A_key_that_matches_no_recipient_is_an_unhealthy_verdict_in_the_bucket_that_names_the_key()
    {
        var backups = _dir.Combine("backups");
        var backup = await CliRunner.RunAsync(DropletEnvironment(await fixture.CreateDatabaseAsync(), backups), "backup");
        backup.ExitCode.Should().Be(0, backup.AllOutput);
        var name = Path.GetFileName(Directory.GetFiles(backups, "backup_*.dump.age").Single());

        var wrongKey = await CliRunner.RunAsync(BucketEnvironment.Nightly(s3, _prefix, _otherKey.Secret), "verify", "--from", $"s3://{S3ServerFixture.Bucket}/{_prefix}", "--latest", "--engine", "local");

        wrongKey.ExitCode.Should().Be(1, wrongKey.AllOutput);
        wrongKey.Output.Should().Contain("the identity given does not match");
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        (await store.ListVerdictsAsync()).Entries.Should().ContainSingle(v => v.File == name && !v.Healthy);
    }

    [Fact]
    public async Task A_mangled_identity_is_named_as_the_identity_not_as_a_damaged_backup()
    {
        var backups = _dir.Combine("backups");
        var backup = await CliRunner.RunAsync(DropletEnvironment(await fixture.CreateDatabaseAsync(), backups), "backup");
        backup.ExitCode.Should().Be(0, backup.AllOutput);
        var dump = Directory.GetFiles(backups, "backup_*.dump.age").Single();

        var quick = await CliRunner.RunAsync(BucketEnvironment.Nightly(s3, _prefix, "AGE-SECRET-KEY-TYPO"), "verify", "--quick", dump);

        quick.ExitCode.Should().NotBe(0, quick.AllOutput);
        quick.AllOutput.Should().Contain("AGE_IDENTITY").And.NotContain("damaged or truncated", "the backup is intact; the key given is not a key");
        quick.AllOutput.Should().NotContain("AGE-SECRET-KEY-TYPO");
    }

    private Dictionary<string, string?> DropletEnvironment(string database, string backups)
    {
        var environment = fixture.CliEnvironment(database, backups);
        environment["BACKUP_AGE_RECIPIENTS"] = _key.Public;
        return environment.WithBucket(s3, _prefix);
    }
}
