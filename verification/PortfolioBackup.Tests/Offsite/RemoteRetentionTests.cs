using PortfolioBackup.Catalog;
using PortfolioBackup.Offsite;
using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>Remote retention: the local rules applied to the bucket, and nothing outside the pattern or prefix touched.</summary>
public sealed class RemoteRetentionTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static RetentionOptions Options => new() { BackupDirectory = "/unused", RetentionDays = 14, MinBackups = 2, Now = Now };

    [Fact(Timeout = 90_000)]
    public async Task Old_backups_go_but_the_newest_verified_the_newest_two_and_pre_restore_stay()
    {
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix));
        using var local = new TempDirectory();
        var verifiedSha = await PutAsync(store, local, "backup_20261101_031500.dump.age");
        await PutAsync(store, local, "backup_20261030_031500.dump");
        await PutAsync(store, local, "backup_20261025_031500.dump");
        await PutAsync(store, local, "pre-restore_20261001_120000.dump");
        await PutAsync(store, local, "backup_20261130_031500.dump");
        await PutAsync(store, local, "backup_20261201_031500.dump");
        LedgerEntry[] verdicts =
        [
            Verdict("backup_20261101_031500.dump.age", verifiedSha, healthy: true),

            // A healthy verdict for other bytes than the object holds proves nothing about it.
            Verdict("backup_20261030_031500.dump", new string('b', 64), healthy: true),
        ];

        var plan = await RemoteRetention.PlanAsync(store, Options, verdicts);
        var listedAfterPlan = await store.ListBackupsAsync();
        var pruned = await RemoteRetention.PruneAsync(store, Options, verdicts);

        plan.DryRun.Should().BeTrue();
        listedAfterPlan.Should().HaveCount(6);
        pruned.Succeeded.Should().BeTrue();
        pruned.NewestVerified!.Backup.FileName.Should().Be("backup_20261101_031500.dump.age");
        pruned.Deleted.Select(d => d.Backup.FileName).Should().Equal("backup_20261030_031500.dump", "backup_20261025_031500.dump");
        pruned.Kept.Select(d => (d.Backup.FileName, d.Reason)).Should().Equal(
            ("backup_20261201_031500.dump", "age 1 d 8 h <= 14 d"),
            ("backup_20261130_031500.dump", "age 2 d 8 h <= 14 d"),
            ("backup_20261101_031500.dump.age", "newest verified"),
            ("pre-restore_20261001_120000.dump", "pre-restore safety backup, never pruned"));
        plan.Deleted.Select(d => d.Backup.FileName).Should().Equal(pruned.Deleted.Select(d => d.Backup.FileName));
        (await store.ListBackupsAsync()).Select(b => b.Name).Should().BeEquivalentTo(pruned.Kept.Select(k => k.Backup.FileName));
        (await store.StatAsync("backup_20261025_031500.dump.manifest.json", default)).Should().BeNull();
    }

    [Fact(Timeout = 90_000)]
    public async Task Objects_outside_the_pattern_or_the_prefix_are_never_deleted()
    {
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix));
        using var sibling = OffsiteStore.Open(server.Settings(prefix + "2"));
        using var nested = OffsiteStore.Open(server.Settings(prefix + "/archive"));
        using var local = new TempDirectory();
        await PutAsync(store, local, "backup_20261201_031500.dump");
        await PutAsync(store, local, "backup_20260101_031500.dump");
        await PutAsync(sibling, local, "backup_20250101_031500.dump");
        await PutAsync(nested, local, "backup_20250102_031500.dump");
        var verdict = await store.PutVerdictAsync(Verdict("backup_20250101_031500.dump", new string('c', 64), healthy: false));

        var pruned = await RemoteRetention.PruneAsync(store, Options with { MinBackups = 1 }, []);

        pruned.Deleted.Select(d => d.Backup.Path).Should().Equal($"{prefix}/backup_20260101_031500.dump");
        (await sibling.ListBackupsAsync()).Should().ContainSingle();
        (await nested.ListBackupsAsync()).Should().ContainSingle();
        (await store.ListVerdictsAsync()).Entries.Should().ContainSingle();
        verdict.Should().StartWith($"{prefix}/verifications/");
    }

    private static Task<string> PutAsync(OffsiteStore store, TempDirectory local, string name) => OffsiteTestFiles.PutBackupAsync(store, local.Path, name);

    private static LedgerEntry Verdict(string file, string sha, bool healthy) => new()
    {
        File = file,
        Sha256 = sha,
        VerifiedAt = Now.AddDays(-1),
        Engine = "container",
        Healthy = healthy,
    };
}
