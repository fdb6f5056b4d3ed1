using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Encryption;

/// <summary>Reading an encrypted backup without the right key, or a damaged one: a verdict, exit 1, nothing decrypted left behind.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EncryptedReadFailureTests(PostgresServerFixture fixture) : IAsyncLifetime
{
    private readonly TempDirectory _backups = new();
    private AgeKeys _keys = null!;
    private string _dump = null!;
    private Dictionary<string, string?> _env = null!;

    public async Task InitializeAsync()
    {
        var database = await fixture.CreateDatabaseAsync();
        _keys = await AgeKeys.CreateAsync();
        var settings = Backup.BackupTestSupport.Settings(fixture, database, _backups.Path) with { AgeRecipients = [_keys.Public] };
        _dump = (await BackupRunner.RunAsync(settings)).DumpPath;
        _env = fixture.CliEnvironment(database, _backups.Path);
    }

    public Task DisposeAsync()
    {
        _backups.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("--quick")]
    [InlineData("full")]
    public async Task Without_an_identity_the_verdict_names_the_recipient_and_the_variables(string tier)
    {
        // Act
        var run = await VerifyAsync(_env, tier);

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().Contain($"FAIL  file: encrypted for {_keys.Public}; set AGE_IDENTITY or AGE_IDENTITY_FILE to read it");
        AgeKeys.LeftoverDecryptedFolders().Should().BeEmpty();
    }

    [Theory]
    [InlineData("--quick")]
    [InlineData("full")]
    public async Task A_wrong_identity_is_a_verdict_that_says_it_does_not_match(string tier)
    {
        // Arrange
        var stranger = await AgeKeys.CreateAsync();
        _env["AGE_IDENTITY"] = stranger.Secret;

        // Act
        var run = await VerifyAsync(_env, tier);

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().Contain($"FAIL  file: encrypted for {_keys.Public}; the identity given does not match");
        run.AllOutput.Should().NotContain(stranger.SecretLine);
        AgeKeys.LeftoverDecryptedFolders().Should().BeEmpty();
    }

    [Theory]
    [InlineData("--quick")]
    [InlineData("full")]
    public async Task A_truncated_encrypted_file_is_unhealthy_with_ages_reason_and_leaves_no_plaintext(string tier)
    {
        // Arrange
        var cut = Path.Combine(_backups.Path, "backup_20250101_000000.dump.age");
        var bytes = await File.ReadAllBytesAsync(_dump);
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length * 2 / 3)]);
        _env["AGE_IDENTITY"] = _keys.Secret;

        // Act
        var run = await VerifyAsync(_env, tier, cut);

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().Contain("FAIL  file: encrypted with age").And.Contain("damaged or truncated: age: failed to decrypt and authenticate payload chunk");
        AgeKeys.LeftoverDecryptedFolders().Should().BeEmpty("age wrote plaintext up to the bad chunk; that copy must be gone");
    }

    [Fact]
    public async Task An_identity_file_reads_the_backup_and_a_malformed_one_is_named()
    {
        // Arrange
        var keyFile = Path.Combine(_backups.Path, "key.txt");
        await File.WriteAllTextAsync(keyFile, _keys.Secret);
        var badFile = Path.Combine(_backups.Path, "bad.txt");
        await File.WriteAllTextAsync(badFile, "AGE-SECRET-KEY-1NOTAKEY\n");
        var env = new Dictionary<string, string?>(_env) { ["AGE_IDENTITY_FILE"] = keyFile };
        var bad = new Dictionary<string, string?>(_env) { ["AGE_IDENTITY_FILE"] = badFile };
        var both = new Dictionary<string, string?>(env) { ["AGE_IDENTITY"] = _keys.Secret };

        // Act
        var good = await VerifyAsync(env, "--quick", _dump);
        var malformed = await VerifyAsync(bad, "--quick", _dump);
        var conflicting = await VerifyAsync(both, "--quick", _dump);

        // Assert
        good.Output.Should().Contain("pass  file: age-encrypted").And.Contain("pass  data:");
        malformed.ExitCode.Should().Be(2, malformed.AllOutput);
        malformed.Error.Should().Contain("AGE_IDENTITY_FILE=" + badFile + " holds a line that is not an age secret key");
        malformed.AllOutput.Should().NotContain("AGE-SECRET-KEY-1NOTAKEY");
        conflicting.ExitCode.Should().Be(2, conflicting.AllOutput);
        conflicting.AllOutput.Should().Contain("AGE_IDENTITY and AGE_IDENTITY_FILE are both set");
    }

    [Fact]
    public async Task Restore_and_inspect_without_an_identity_refuse_and_touch_nothing()
    {
        // Arrange
        var target = "never_" + Guid.NewGuid().ToString("N")[..8];

        // Act
        var restore = await CliRunner.RunAsync(_env, "restore", _dump, "--target-db", target, "--yes", "--force");
        var inspect = await CliRunner.RunAsync(_env, "inspect", _dump);

        // Assert
        restore.ExitCode.Should().Be(1, restore.AllOutput);
        restore.AllOutput.Should().Contain($"encrypted for {_keys.Public}; set AGE_IDENTITY or AGE_IDENTITY_FILE to read it");
        (await fixture.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'")).Should().Be(0);
        inspect.ExitCode.Should().Be(1, inspect.AllOutput);
        inspect.Output.Should().Contain("kind:            age-encrypted file").And.Contain("set AGE_IDENTITY or AGE_IDENTITY_FILE");
        AgeKeys.LeftoverDecryptedFolders().Should().BeEmpty();
    }

    private static Task<CliRun> VerifyAsync(Dictionary<string, string?> env, string tier, string? dump = null)
    {
        string[] args = tier == "--quick" ? ["verify", "--quick"] : ["verify", "--engine", "local", "--jobs", "1"];
        return CliRunner.RunAsync(env, dump is null ? args : [.. args, dump]);
    }
}
