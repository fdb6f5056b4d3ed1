using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Encryption;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.EndToEnd;

/// <summary>
/// The whole offsite loop as operators run it, through the command line: the droplet backs up (encrypted) and uploads, the
/// nightly job verifies from the bucket with the secret key only in its environment, and the droplet's status counts that
/// verdict. Real pg_dump, age, PostgreSQL and an S3-compatible server (s3rver) on loopback.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OffsiteRoundTripTests(PostgresServerFixture fixture, S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly S3ServerFixture _s3 = s3;
    private readonly string _prefix = S3ServerFixture.NewPrefix();
    private AgeKeys _key = null!;

    public async Task InitializeAsync() => _key = await AgeKeys.CreateAsync();

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_encrypted_backup_reaches_the_bucket_is_verified_from_there_and_the_droplet_counts_that_verdict()
    {
        var database = await fixture.CreateDatabaseAsync();
        var backups = _dir.Combine("backups");
        var droplet = DropletEnvironment(database, backups);

        var backup = await CliRunner.RunAsync(droplet, "backup");

        backup.ExitCode.Should().Be(0, backup.AllOutput);
        var dump = Directory.GetFiles(backups, "backup_*.dump.age").Should().ContainSingle().Subject;
        Directory.GetFiles(backups, "backup_*.dump").Should().BeEmpty("nothing unencrypted is kept");
        backup.Output.Should().Contain($"uploaded  {Path.GetFileName(dump)} ").And.Contain("bucket retention: kept 1, deleted 0");
        var before = await CliRunner.RunAsync(droplet, "status");
        before.ExitCode.Should().Be(1, before.AllOutput);
        before.Output.Should().StartWith("CRITICAL - ").And.Contain("no verified backup");

        var nightly = await CliRunner.RunAsync(BucketEnvironment.Nightly(_s3, _prefix, _key.Secret), "verify", "--from", $"s3://{S3ServerFixture.Bucket}/{_prefix}", "--latest", "--engine", "local");

        nightly.ExitCode.Should().Be(0, nightly.AllOutput);
        nightly.Output.Should().Contain($"{Path.GetFileName(dump)}: healthy").And.Contain("1 verdict(s) written to the bucket").And.Contain("1 of 1 dump(s) healthy");
        nightly.AllOutput.Should().NotContain(_key.SecretLine).And.NotContain(fixture.Password);
        AgeKeys.LeftoverDecryptedFolders().Should().BeEmpty("the decrypted copy is removed after the verification");
        Directory.GetDirectories(Path.GetTempPath(), PrivateFolder.DownloadPrefix + "*")
            .Where(d => File.Exists(Path.Combine(d, "owner")) && File.ReadAllText(Path.Combine(d, "owner")).Trim() == ProcessOwner.Current)
            .Should().BeEmpty("the downloaded backups are removed after the verification");
        var after = await CliRunner.RunAsync(droplet, "status");
        after.ExitCode.Should().Be(0, after.AllOutput);
        after.Output.Should().StartWith("OK - ").And.Contain($"newest verified: {Path.GetFileName(dump)}").And.Contain("verdict from the bucket");
        var list = await CliRunner.RunAsync(droplet, "list", "--remote");
        list.ExitCode.Should().Be(0, list.AllOutput);
        list.Output.Should().Contain("BUCKET FILE").And.Contain($"s3://{S3ServerFixture.Bucket}/{_prefix}");
        list.Output.Split('\n').Where(l => l.StartsWith(Path.GetFileName(dump), StringComparison.Ordinal)).Should().HaveCount(2).And.OnlyContain(l => l.Contains("healthy"));
    }

    [Fact]
    public async Task A_failed_upload_keeps_the_local_backup_exits_1_and_the_next_upload_completes_it()
    {
        var database = await fixture.CreateDatabaseAsync();
        var backups = _dir.Combine("backups");
        var droplet = DropletEnvironment(database, backups);
        _s3.Stop();
        CliRun backup;
        try
        {
            backup = await CliRunner.RunAsync(droplet, "backup");
        }
        finally
        {
            await _s3.StartAsync();
        }

        backup.ExitCode.Should().Be(1, backup.AllOutput);
        var dump = Directory.GetFiles(backups, "backup_*.dump.age").Should().ContainSingle().Subject;
        backup.Error.Should().Contain($"FAILED    s3://{S3ServerFixture.Bucket}/{_prefix}: the S3 endpoint {_s3.Endpoint.GetLeftPart(UriPartial.Authority)} is unreachable")
            .And.Contain("every local backup is kept and the bucket was not pruned");

        var retry = await CliRunner.RunAsync(droplet, "upload");

        retry.ExitCode.Should().Be(0, retry.AllOutput);
        retry.Output.Should().Contain($"uploaded  {Path.GetFileName(dump)} ").And.Contain($"uploaded  {Path.GetFileName(dump)}.manifest.json");
        using var store = OffsiteStore.Open(_s3.Settings(_prefix));
        (await store.ListBackupsAsync()).Should().ContainSingle(b => b.Name == Path.GetFileName(dump) && b.HasManifest);
        var again = await CliRunner.RunAsync(droplet, "upload");
        again.Output.Should().Contain("offsite: 0 file(s) uploaded");
    }

    [Fact]
    public async Task A_damaged_object_in_the_bucket_is_an_unhealthy_verdict_not_a_crash()
    {
        var database = await fixture.CreateDatabaseAsync();
        var backups = _dir.Combine("backups");
        var backup = await CliRunner.RunAsync(DropletEnvironment(database, backups), "backup");
        backup.ExitCode.Should().Be(0, backup.AllOutput);
        var name = Path.GetFileName(Directory.GetFiles(backups, "backup_*.dump.age").Single());
        var stored = _s3.ObjectFile($"{_prefix}/{name}");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(stored, bytes);

        var nightly = await CliRunner.RunAsync(BucketEnvironment.Nightly(_s3, _prefix, _key.Secret), "verify", "--from", $"s3://{S3ServerFixture.Bucket}/{_prefix}", "--engine", "local");

        nightly.ExitCode.Should().Be(1, nightly.AllOutput);
        nightly.Output.Should().Contain($"{name}: NOT HEALTHY").And.Contain("0 of 1 dump(s) healthy");
    }

    // s3rver 3.7.1 checks the access key id but not a SigV4 signature, so an unknown key id is the refusal it can give.
    [Fact]
    public async Task Refused_credentials_are_named_and_cost_no_local_backup()
    {
        var database = await fixture.CreateDatabaseAsync();
        var backups = _dir.Combine("backups");
        var droplet = DropletEnvironment(database, backups);
        droplet["AWS_ACCESS_KEY_ID"] = "NOT-A-KEY";
        droplet["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-" + Guid.NewGuid().ToString("N");

        var backup = await CliRunner.RunAsync(droplet, "backup");

        backup.ExitCode.Should().Be(1, backup.AllOutput);
        Directory.GetFiles(backups, "backup_*.dump.age").Should().ContainSingle();
        backup.Error.Should().Contain("refused the credentials (403 InvalidAccessKeyId)").And.Contain("check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
        backup.AllOutput.Should().NotContain(droplet["AWS_SECRET_ACCESS_KEY"]);
    }

    private Dictionary<string, string?> DropletEnvironment(string database, string backups)
    {
        var environment = fixture.CliEnvironment(database, backups);
        environment["BACKUP_AGE_RECIPIENTS"] = _key.Public;
        return environment.WithBucket(_s3, _prefix);
    }
}
