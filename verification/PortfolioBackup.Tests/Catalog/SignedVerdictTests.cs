using PortfolioBackup.Catalog;
using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;
using PortfolioBackup.Tests.Retention;

namespace PortfolioBackup.Tests.Catalog;

/// <summary>
/// Verdicts signed by the verifier's key (VERDICT_SIGNING_KEY) and believed on the droplet only when signed by a trusted
/// key (VERDICT_TRUSTED_KEYS): anyone who can write to the bucket can no longer make status say OK.
/// </summary>
public sealed class SignedVerdictTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = S3ServerFixture.NewPrefix();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_verdict_key_command_prints_a_pair_whose_signatures_the_public_half_trusts()
    {
        var (signing, trusted) = await NewKeysAsync();
        using var signer = VerdictSigner.FromEnvironment(new Dictionary<string, string?> { [VerdictKeys.SigningVariable] = signing })!;
        var trust = VerdictTrust.FromEnvironment(new Dictionary<string, string?> { [VerdictKeys.TrustedVariable] = trusted });

        var signed = signer.Sign(Verdict("backup_20261201_031500.dump"));

        trust.Enforced.Should().BeTrue();
        signed.SignedBy.Should().Be(signer.KeyId);
        trust.Judge(signed).Should().Be(VerdictStanding.Trusted);
        trust.Judge(signed with { Healthy = false }).Should().Be(VerdictStanding.Forged);
        trust.Judge(signed with { Sha256 = new string('c', 64) }).Should().Be(VerdictStanding.Forged);
        trust.Judge(signed with { Tables = new Dictionary<string, long> { ["public.users"] = 1 } }).Should().Be(VerdictStanding.Forged);
        trust.Judge(signed with { Signature = null, SignedBy = null }).Should().Be(VerdictStanding.Unsigned);
        VerdictTrust.Anyone.Judge(signed with { Signature = null }).Should().Be(VerdictStanding.Trusted, "without trusted keys every verdict counts, as before");
    }

    [Fact]
    public async Task A_signature_survives_the_ledger_and_the_bucket_and_a_key_not_trusted_is_named()
    {
        var (signing, trusted) = await NewKeysAsync();
        var (otherSigning, _) = await NewKeysAsync();
        using var signer = VerdictSigner.FromEnvironment(new Dictionary<string, string?> { [VerdictKeys.SigningVariable] = signing })!;
        using var stranger = VerdictSigner.FromEnvironment(new Dictionary<string, string?> { [VerdictKeys.SigningVariable] = otherSigning })!;
        var trust = VerdictTrust.Of(trusted);
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var verdict = signer.Sign(Verdict("backup_20261201_031500.dump") with
        {
            Tables = new Dictionary<string, long> { ["public.users"] = 25, ["\"Reporting Ünits\".\"Order Items\""] = 7, ["public.images"] = 137 },
        });

        await VerificationLedger.AppendAsync(_dir.Path, verdict);
        await store.PutVerdictAsync(verdict);
        await store.PutVerdictAsync(stranger.Sign(Verdict("backup_20261202_031500.dump")));

        (await VerificationLedger.ReadAsync(_dir.Path)).Should().ContainSingle().Which.Should().Match<LedgerEntry>(e => trust.Judge(e) == VerdictStanding.Trusted);
        var fromBucket = (await store.ListVerdictsAsync()).Entries;
        fromBucket.Select(trust.Judge).Should().BeEquivalentTo([VerdictStanding.Trusted, VerdictStanding.UnknownKey]);
        VerdictTrust.Describe(VerdictStanding.UnknownKey, fromBucket.Single(v => v.File.EndsWith("1202_031500.dump", StringComparison.Ordinal)))
            .Should().Be($"signed by an untrusted key {stranger.KeyId}");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_hand_written_verdict_with_the_right_SHA_256_cannot_make_status_OK_when_trusted_keys_are_set()
    {
        var (signing, trusted) = await NewKeysAsync();
        var backups = _dir.Combine("backups");
        Directory.CreateDirectory(backups);
        var dump = OffsiteTestFiles.WriteBackup(backups, DateTimeOffset.UtcNow.AddHours(-2));
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var forged = Verdict(Path.GetFileName(dump)) with { Sha256 = OffsiteTestFiles.Sha256Of(dump), VerifiedAt = DateTimeOffset.UtcNow.AddHours(-1) };
        await store.PutVerdictAsync(forged);

        // Uploaded as the droplet's backup job does: with a bucket set, status also wants a fresh copy there.
        await store.UploadFileAsync(dump, Path.GetFileName(dump), forged.Sha256!);
        await store.UploadFileAsync(dump + ".manifest.json", Path.GetFileName(dump) + ".manifest.json", OffsiteTestFiles.Sha256Of(dump + ".manifest.json"));
        var environment = Droplet(backups);
        environment[VerdictKeys.TrustedVariable] = trusted;

        var forgedStatus = await CliRunner.RunAsync(environment, "status");
        var forgedList = await CliRunner.RunAsync(environment, "list");
        using (var signer = VerdictSigner.FromEnvironment(new Dictionary<string, string?> { [VerdictKeys.SigningVariable] = signing })!)
        {
            await store.PutVerdictAsync(signer.Sign(forged with { VerifiedAt = forged.VerifiedAt.AddMinutes(1) }));
        }

        var signedStatus = await CliRunner.RunAsync(environment, "status");

        forgedStatus.ExitCode.Should().Be(1, forgedStatus.AllOutput);
        forgedStatus.Output.Should().StartWith("CRITICAL - ").And.Contain($"1 healthy verdict(s) not signed by a key in {VerdictKeys.TrustedVariable}");
        forgedList.Output.Should().Contain("(not trusted: unsigned)");
        signedStatus.ExitCode.Should().Be(0, signedStatus.AllOutput);
        signedStatus.Output.Should().StartWith("OK - ").And.Contain("signed by ");
    }

    [Fact]
    public async Task Recorded_durations_are_signed_and_a_verdict_signed_without_them_still_checks()
    {
        var (signing, trusted) = await NewKeysAsync();
        using var signer = VerdictSigner.FromEnvironment(new Dictionary<string, string?> { [VerdictKeys.SigningVariable] = signing })!;
        var trust = VerdictTrust.Of(trusted);

        var timed = signer.Sign(Verdict("backup_20261201_031500.dump") with { VerifySeconds = 4.2, RestoreSeconds = 1.5 });
        var untimed = signer.Sign(Verdict("backup_20261201_031500.dump"));

        trust.Judge(timed).Should().Be(VerdictStanding.Trusted);
        trust.Judge(timed with { RestoreSeconds = 0.1 }).Should().Be(VerdictStanding.Forged);
        trust.Judge(timed with { VerifySeconds = null, RestoreSeconds = null }).Should().Be(VerdictStanding.Forged, "dropping the durations changes what was signed");
        trust.Judge(untimed).Should().Be(VerdictStanding.Trusted, "a verdict from before durations were recorded keeps its signature");
        trust.Judge(untimed with { VerifySeconds = 1 }).Should().Be(VerdictStanding.Forged);
        VerificationLedger.ParseEntry(VerificationLedger.Serialize(timed)).Should().Match<LedgerEntry>(e => trust.Judge(e) == VerdictStanding.Trusted && e.RestoreSeconds == 1.5);
    }

    [Fact(Timeout = 120_000)]
    public async Task Retention_protects_only_a_backup_whose_verdict_it_trusts()
    {
        var (_, trusted) = await NewKeysAsync();
        var folder = new BackupFolder(_dir, DateTimeOffset.UtcNow);
        var old = folder.BackupDaysOld(30);
        folder.BackupDaysOld(1);
        await LedgerWriter.VerifiedAsync(old, healthy: true, DateTimeOffset.UtcNow.AddDays(-29));
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["BACKUP_DIR"] = _dir.Path,
            [VerdictKeys.TrustedVariable] = trusted,
        };

        var prune = await CliRunner.RunAsync(environment, "prune", "--retention-days", "7", "--min-backups", "1");

        prune.ExitCode.Should().Be(0, prune.AllOutput);
        File.Exists(old).Should().BeFalse("an unsigned verdict proves nothing once trusted keys are set; it must not keep a backup in place of the real newest verified one");
    }

    [Theory]
    [InlineData(VerdictKeys.SigningVariable, "not-a-key-at-all", "is not a verdict signing key")]
    [InlineData(VerdictKeys.SigningVariable, "PUBLIC", "holds a public key")]
    [InlineData(VerdictKeys.TrustedVariable, "SECRET", "holds a secret key")]
    [InlineData(VerdictKeys.TrustedVariable, "verdict-public:AAAA", "is not a verdict public key")]
    public async Task A_mangled_key_is_a_configuration_error_that_names_the_variable_and_never_shows_a_secret(string variable, string value, string expected)
    {
        var (signing, trusted) = await NewKeysAsync();
        value = value switch { "PUBLIC" => trusted, "SECRET" => signing, _ => value };

        var read = () =>
        {
            var environment = new Dictionary<string, string?> { [variable] = value };
            VerdictSigner.FromEnvironment(environment)?.Dispose();
            VerdictTrust.FromEnvironment(environment);
        };

        var error = read.Should().Throw<ConfigurationException>().Which;
        error.Message.Should().Contain(variable).And.Contain(expected).And.NotContain(signing[VerdictKeys.SecretPrefix.Length..]);
    }

    private static async Task<(string Signing, string Trusted)> NewKeysAsync()
    {
        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "verdict-key");
        run.ExitCode.Should().Be(0, run.AllOutput);
        string Value(string variable) => run.Output.Split('\n').Single(l => l.StartsWith(variable + "=", StringComparison.Ordinal))[(variable.Length + 1)..].Trim();
        return (Value(VerdictKeys.SigningVariable), Value(VerdictKeys.TrustedVariable));
    }

    private Dictionary<string, string?> Droplet(string backups) => BucketEnvironment.Droplet(s3, _prefix, backups);

    private static LedgerEntry Verdict(string file) => new()
    {
        File = file,
        Sha256 = new string('a', 64),
        VerifiedAt = new DateTimeOffset(2026, 12, 2, 4, 0, 0, TimeSpan.Zero),
        Database = "portfolio",
        Engine = "container",
        Image = "postgres:15",
        Healthy = true,
        Tables = new Dictionary<string, long> { ["public.users"] = 25 },
    };
}
