using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Encryption;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// Encrypted backups meet two careless habits: restoring with only the secret key in the environment (the droplet's usual
/// state during an emergency), and a secret key kept behind a passphrase (age -p). Neither may leave plaintext behind or
/// blame the backup. Real pg_dump, age, PostgreSQL and s3rver.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class EncryptedSafetyAndKeysTests(PostgresServerFixture fixture, S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = S3ServerFixture.NewPrefix();
    private AgeKeys _key = null!;

    public async Task InitializeAsync() => _key = await AgeKeys.CreateAsync();

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact(Timeout = 300_000)]
    public async Task Restoring_an_encrypted_backup_encrypts_the_safety_backup_for_the_recipients_its_manifest_names()
    {
        var database = await fixture.CreateDatabaseAsync();
        var backups = _dir.Combine("backups");
        var droplet = fixture.CliEnvironment(database, backups);
        droplet["BACKUP_AGE_RECIPIENTS"] = _key.Public;
        (await CliRunner.RunAsync(droplet, "backup")).ExitCode.Should().Be(0);
        var dump = Directory.GetFiles(backups, "backup_*.dump.age").Single();
        await Task.Delay(1100);

        // The emergency: the key comes from the password manager, the recipients variable is not set.
        var emergency = fixture.CliEnvironment(database, backups);
        emergency["AGE_IDENTITY"] = _key.Secret;
        var restore = await CliRunner.RunAsync(emergency, "restore", dump, "--yes");

        restore.ExitCode.Should().Be(0, restore.AllOutput);
        restore.Output.Should().Contain($"encrypted for {_key.Public}");
        var safety = Directory.GetFiles(backups, "pre-restore_*").Where(f => !f.EndsWith(".manifest.json", StringComparison.Ordinal)).Should().ContainSingle().Subject;
        safety.Should().EndWith(".dump.age");
        (await File.ReadAllTextAsync(safety)).Should().StartWith("age-encryption.org/v1\n", "no plaintext copy of the target is left in the backup folder");
    }

    [Fact(Timeout = 300_000)]
    public async Task A_manifest_edited_to_name_a_secret_as_recipient_is_refused_and_never_printed()
    {
        var database = await fixture.CreateDatabaseAsync();
        var backups = _dir.Combine("backups");
        var droplet = fixture.CliEnvironment(database, backups);
        droplet["BACKUP_AGE_RECIPIENTS"] = _key.Public;
        (await CliRunner.RunAsync(droplet, "backup")).ExitCode.Should().Be(0);
        var dump = Directory.GetFiles(backups, "backup_*.dump.age").Single();
        var manifest = PortfolioBackup.Backup.BackupFileName.ManifestPathFor(dump);
        await File.WriteAllTextAsync(manifest, (await File.ReadAllTextAsync(manifest)).Replace(_key.Public, _key.SecretLine, StringComparison.Ordinal));
        var emergency = fixture.CliEnvironment(database, backups);
        emergency["AGE_IDENTITY"] = _key.Secret;

        var restore = await CliRunner.RunAsync(emergency, "restore", dump, "--yes");
        var inspect = await CliRunner.RunAsync(new Dictionary<string, string?>(), "inspect", dump);

        restore.ExitCode.Should().Be(2, restore.AllOutput);
        restore.Error.Should().Contain("(encryption.recipients)").And.Contain("holds a secret key");
        foreach (var run in new[] { restore, inspect })
        {
            run.AllOutput.Should().NotContain(_key.SecretLine[15..40]);
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task A_passphrase_protected_identity_is_a_configuration_error_naming_the_key_and_writes_no_verdict()
    {
        var database = await fixture.CreateDatabaseAsync();
        var backups = _dir.Combine("backups");
        var droplet = fixture.CliEnvironment(database, backups).WithBucket(s3, _prefix);
        droplet["BACKUP_AGE_RECIPIENTS"] = _key.Public;
        (await CliRunner.RunAsync(droplet, "backup")).ExitCode.Should().Be(0);
        var dump = Directory.GetFiles(backups, "backup_*.dump.age").Single();
        var protectedKey = await PassphraseProtectAsync(_key.Secret);
        var nightly = BucketEnvironment.Nightly(s3, _prefix, identity: null);
        nightly["AGE_IDENTITY_FILE"] = protectedKey;
        var local = new Dictionary<string, string?>(nightly) { ["BACKUP_DIR"] = backups };

        var quick = await CliRunner.RunAsync(local, "verify", "--quick", dump);
        var fromBucket = await CliRunner.RunAsync(nightly, "verify", "--from", $"s3://{S3ServerFixture.Bucket}/{_prefix}", "--engine", "local");

        foreach (var run in new[] { quick, fromBucket })
        {
            run.ExitCode.Should().Be(2, run.AllOutput);
            run.AllOutput.Should().Contain($"AGE_IDENTITY_FILE={protectedKey} is itself encrypted (a passphrase-protected identity, age -p)")
                .And.NotContain("damaged or truncated");
        }

        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        (await store.ListVerdictsAsync()).Entries.Should().BeEmpty("the verifier's key is at fault, not the backup");
    }

    // age -p reads the passphrase from a terminal only; script(1) gives it one.
    private async Task<string> PassphraseProtectAsync(string secret)
    {
        var plain = _dir.Combine("key.txt");
        var protectedPath = _dir.Combine("key.age");
        await File.WriteAllTextAsync(plain, secret);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await ToolRunner.RunCheckedAsync(
            new ToolInvocation("script", ["-qec", $"age -p -o {protectedPath} {plain}", "/dev/null"]) { StandardInputText = "correct horse\ncorrect horse\n" },
            timeout.Token);
        File.Delete(plain);
        (await File.ReadAllTextAsync(protectedPath)).Should().StartWith("age-encryption.org/v1\n-> scrypt ");
        return protectedPath;
    }
}
