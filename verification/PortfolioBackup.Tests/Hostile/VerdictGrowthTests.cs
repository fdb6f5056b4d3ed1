using PortfolioBackup.Catalog;
using PortfolioBackup.Offsite;
using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// One verdict object per verification, every night, and status reads them all: unless the verdicts of a pruned backup go
/// with it, a year of nightly sharded verification is thousands of GETs per status check and status stops seeing them.
/// </summary>
public sealed class VerdictGrowthTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact(Timeout = 90_000)]
    public async Task Pruning_a_backup_from_the_bucket_deletes_its_verdicts_and_only_its_own()
    {
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix));
        using var local = new TempDirectory();
        const string Old = "backup_20261001_031500.dump";
        const string OldEncrypted = "backup_20261001_031500.dump.age";
        const string Recent = "backup_20261201_031500.dump";
        foreach (var name in new[] { Old, OldEncrypted, Recent, "backup_20261130_031500.dump" })
        {
            await OffsiteTestFiles.PutBackupAsync(store, local.Path, name);
        }

        for (var night = 1; night <= 3; night++)
        {
            await store.PutVerdictAsync(Verdict(Old, night));
            await store.PutVerdictAsync(Verdict(Recent, night));
        }

        var options = new RetentionOptions { BackupDirectory = "/unused", RetentionDays = 14, MinBackups = 2, Now = Now };
        var protectOldEncrypted = options with { ProtectedFiles = new HashSet<string>([OldEncrypted], StringComparer.Ordinal) };

        // Its key starts with "backup_20261001_031500.dump." too.
        await store.PutVerdictAsync(Verdict(OldEncrypted, 4));

        var pruned = await RemoteRetention.PruneAsync(store, protectOldEncrypted, []);
        var left = await store.ListVerdictsAsync();

        pruned.Deleted.Select(d => d.Backup.FileName).Should().Equal(Old);
        left.Entries.Select(e => e.File).Should().NotContain(Old, "the backup they judged is gone from the bucket");
        left.Entries.Count(e => e.File == Recent).Should().Be(3);
        left.Entries.Count(e => e.File == OldEncrypted).Should().Be(1, "backup_X.dump.age's verdicts are not backup_X.dump's");
    }

    private static LedgerEntry Verdict(string file, int night) => new()
    {
        File = file,
        Sha256 = new string('a', 64),
        VerifiedAt = Now.AddDays(-night),
        Engine = "local",
        Healthy = true,
    };
}
