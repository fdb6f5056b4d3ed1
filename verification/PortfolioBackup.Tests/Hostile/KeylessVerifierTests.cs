using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.EndToEnd;
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
    private (string Public, string Secret) _key;
    private (string Public, string Secret) _otherKey;

    public async Task InitializeAsync()
    {
        _key = await AgeKeys.GenerateAsync(_dir.Combine("key.txt"));
        _otherKey = await AgeKeys.GenerateAsync(_dir.Combine("other.txt"));
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_verifier_without_the_right_key_writes_no_unhealthy_verdict_on_a_good_backup_to_the_bucket()
    {
        var backups = _dir.Combine("backups");
        var backup = await CliRunner.RunAsync(DropletEnvironment(await fixture.CreateDatabaseAsync(), backups), "backup");
        backup.ExitCode.Should().Be(0, backup.AllOutput);
        var name = Path.GetFileName(Directory.GetFiles(backups, "backup_*.dump.age").Single());

        var keyless = await CliRunner.RunAsync(NightlyEnvironment(identity: null), "verify", "--from", $"s3://{S3ServerFixture.Bucket}/{_prefix}", "--latest", "--engine", "local");
        var wrongKey = await CliRunner.RunAsync(NightlyEnvironment(_otherKey.Secret), "verify", "--from", $"s3://{S3ServerFixture.Bucket}/{_prefix}", "--latest", "--engine", "local");

        keyless.ExitCode.Should().Be(1, keyless.AllOutput);
        keyless.Output.Should().Contain("set AGE_IDENTITY or AGE_IDENTITY_FILE");
        wrongKey.ExitCode.Should().Be(1, wrongKey.AllOutput);
        wrongKey.Output.Should().Contain("the identity given does not match");
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var verdicts = await store.ListVerdictsAsync();
        verdicts.Entries.Where(v => v.File == name && !v.Healthy).Should().BeEmpty(
            "a verifier that cannot decrypt has judged its own configuration, not the backup; the droplet's list would show the good backup as UNHEALTHY");
    }

    [Fact]
    public async Task A_mangled_identity_is_named_as_the_identity_not_as_a_damaged_backup()
    {
        var backups = _dir.Combine("backups");
        var backup = await CliRunner.RunAsync(DropletEnvironment(await fixture.CreateDatabaseAsync(), backups), "backup");
        backup.ExitCode.Should().Be(0, backup.AllOutput);
        var dump = Directory.GetFiles(backups, "backup_*.dump.age").Single();

        var quick = await CliRunner.RunAsync(NightlyEnvironment("AGE-SECRET-KEY-TYPO"), "verify", "--quick", dump);

        quick.ExitCode.Should().NotBe(0, quick.AllOutput);
        quick.AllOutput.Should().Contain("AGE_IDENTITY").And.NotContain("damaged or truncated", "the backup is intact; the key given is not a key");
        quick.AllOutput.Should().NotContain("AGE-SECRET-KEY-TYPO");
    }

    private Dictionary<string, string?> DropletEnvironment(string database, string backups)
    {
        var environment = fixture.CliEnvironment(database, backups);
        environment["BACKUP_AGE_RECIPIENTS"] = _key.Public;
        AddBucket(environment);
        return environment;
    }

    private Dictionary<string, string?> NightlyEnvironment(string? identity)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
            ["AGE_IDENTITY"] = identity,
        };
        AddBucket(environment);
        environment.Remove("BACKUP_S3_BUCKET");
        environment.Remove("BACKUP_S3_PREFIX");
        return environment;
    }

    private void AddBucket(Dictionary<string, string?> environment)
    {
        environment["BACKUP_S3_BUCKET"] = S3ServerFixture.Bucket;
        environment["BACKUP_S3_PREFIX"] = _prefix;
        environment["BACKUP_S3_ENDPOINT"] = s3.Endpoint.ToString();
        environment["AWS_ACCESS_KEY_ID"] = S3ServerFixture.AccessKeyId;
        environment["AWS_SECRET_ACCESS_KEY"] = S3ServerFixture.SecretAccessKey;
    }
}
