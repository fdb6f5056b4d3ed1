using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Encryption;

/// <summary>An encrypted backup end to end with the real pg_dump, age and PostgreSQL: backup, both tiers, restore, list.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EncryptedBackupRoundTripTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task An_encrypted_backup_verifies_in_both_tiers_and_restores_with_the_key_only_in_the_environment()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        var keys = await AgeKeys.CreateAsync();
        var other = await AgeKeys.CreateAsync();
        using var backups = new TempDirectory();
        var env = fixture.CliEnvironment(database, backups.Path);
        env["BACKUP_AGE_RECIPIENTS"] = $"{keys.Public}, {other.Public}";

        // Act
        var backup = await CliRunner.RunAsync(env, "backup");
        env.Remove("BACKUP_AGE_RECIPIENTS");
        env["AGE_IDENTITY"] = keys.Secret;
        var quick = await CliRunner.RunAsync(env, "verify", "--quick");
        var reportPath = Path.Combine(backups.Path, "report.json");
        var full = await CliRunner.RunAsync(env, "verify", "--engine", "local", "--jobs", "2", "--report", reportPath);
        var dump = Directory.GetFiles(backups.Path, "backup_*.dump.age").Single();
        var target = "restored_" + Guid.NewGuid().ToString("N")[..8];
        var restore = await CliRunner.RunAsync(env, "restore", dump, "--target-db", target, "--yes");
        var list = await CliRunner.RunAsync(env, "list");
        var status = await CliRunner.RunAsync(env, "status");

        // Assert
        backup.ExitCode.Should().Be(0, backup.AllOutput);
        backup.Output.Should().Contain($"encrypted: age, for {keys.Public[..12]}").And.Contain("(2 recipients)").And.Contain("never written to disk");
        Directory.GetFiles(backups.Path, "backup_*.dump").Should().BeEmpty("an encrypted backup writes no plain .dump");
        File.ReadAllText(dump).Should().StartWith("age-encryption.org/v1\n");

        var manifest = BackupManifest.FromJson(await File.ReadAllTextAsync(dump + ".manifest.json"), "manifest");
        manifest.DumpFile.Should().Be(Path.GetFileName(dump));
        manifest.SizeBytes.Should().Be(new FileInfo(dump).Length);
        manifest.Sha256.Should().Be(Backup.BackupTestSupport.Sha256Of(dump), "the manifest's hash is the encrypted file's");
        manifest.Encryption.Should().NotBeNull();
        manifest.Encryption!.Tool.Should().Be("age");
        manifest.Encryption.Recipients.Should().Equal(keys.Public, other.Public);
        var plaintext = await DecryptWithAgeAsync(dump, keys);
        manifest.Encryption.PlaintextSha256.Should().Be(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(plaintext)));
        manifest.Encryption.PlaintextSizeBytes.Should().Be(plaintext.Length);
        plaintext.AsSpan(0, 5).SequenceEqual("PGDMP"u8).Should().BeTrue();

        quick.ExitCode.Should().Be(0, quick.AllOutput);
        quick.Output.Should().Contain("plaintext's SHA-256 match the manifest").And.Contain("rows  public.images: 137 (expected 137)");
        full.ExitCode.Should().Be(0, full.AllOutput);
        full.Output.Should().Contain("pass  restore:").And.Contain("pass  row-counts: 10 tables match the manifest's exact counts (243 rows)");
        foreach (var (table, rows) in PostgresServerFixture.SeedRowCounts)
        {
            full.Output.Should().Contain($": {rows} (expected {rows})", $"{table} came back exactly");
        }

        restore.ExitCode.Should().Be(0, restore.AllOutput);
        (await fixture.ScalarAsync<long>(target, "SELECT count(*) FROM public.images")).Should().Be(137);

        list.ExitCode.Should().Be(0, list.AllOutput);
        list.Output.Should().Contain(Path.GetFileName(dump)).And.Contain("1 backup");
        status.ExitCode.Should().Be(0, status.AllOutput);
        status.Output.Should().Contain($"newest verified: {Path.GetFileName(dump)}");

        var everything = string.Join("\n", backup.AllOutput, quick.AllOutput, full.AllOutput, restore.AllOutput, list.AllOutput, status.AllOutput,
            await File.ReadAllTextAsync(reportPath), await File.ReadAllTextAsync(Path.Combine(backups.Path, "verification-ledger.jsonl")));
        everything.Should().NotContain(keys.SecretLine).And.NotContain("AGE-SECRET-KEY");
        AgeKeys.LeftoverDecryptedFolders().Should().BeEmpty("every decrypted copy is removed after the run");
        Directory.GetFiles(backups.Path).Select(Path.GetFileName).Where(n => n!.StartsWith("pre-restore_", StringComparison.Ordinal) || n.EndsWith(".partial", StringComparison.Ordinal))
            .Should().BeEmpty();
    }

    [Fact]
    public async Task Backup_verify_quick_of_an_encrypted_backup_reads_it_back_with_the_identity()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        var keys = await AgeKeys.CreateAsync();
        using var backups = new TempDirectory();
        var env = fixture.CliEnvironment(database, backups.Path);
        env["BACKUP_AGE_RECIPIENTS"] = keys.Public;
        var withoutKey = await CliRunner.RunAsync(env, "backup", "--verify", "quick");
        env["AGE_IDENTITY"] = keys.Secret;

        // Act
        var withKey = await CliRunner.RunAsync(env, "backup", "--verify", "quick");

        // Assert
        withoutKey.ExitCode.Should().Be(2, "an encrypted backup cannot be read back without the identity: " + withoutKey.AllOutput);
        withoutKey.AllOutput.Should().Contain("set AGE_IDENTITY or AGE_IDENTITY_FILE");
        withKey.ExitCode.Should().Be(0, withKey.AllOutput);
        withKey.Output.Should().Contain("pass  file: age-encrypted").And.Contain("pass  data:");
        Directory.GetFiles(backups.Path, "backup_*.dump.age").Should().ContainSingle("the refused run wrote nothing");
    }

    internal static async Task<byte[]> DecryptWithAgeAsync(string path, AgeKeys keys)
    {
        var output = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await CliWrap.Cli.Wrap("age").WithArguments(["-d", "-i", "-", path])
            .WithStandardInputPipe(CliWrap.PipeSource.FromString(keys.Secret))
            .WithStandardOutputPipe(CliWrap.PipeTarget.ToStream(output))
            .ExecuteAsync(timeout.Token);
        return output.ToArray();
    }
}
