using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Retention;

/// <summary>Which regular backups a prune deletes by age and count (Docker-free: real files in a temp folder).</summary>
public sealed class PruneAgeTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly BackupFolder _folder;

    public PruneAgeTests() => _folder = new BackupFolder(_directory, BackupFolder.DefaultNow);

    public void Dispose() => _directory.Dispose();

    private RetentionOptions Options(int retentionDays = 14, int minBackups = 3) => new()
    {
        BackupDirectory = _folder.Path,
        RetentionDays = retentionDays,
        MinBackups = minBackups,
        Now = _folder.Now,
    };

    [Fact]
    public async Task Backup_exactly_retention_days_old_is_kept_and_one_second_older_is_deleted()
    {
        var exactly = _folder.Backup(TimeSpan.FromDays(14));
        var older = _folder.Backup(TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1));
        var younger = _folder.Backup(TimeSpan.FromDays(14) - TimeSpan.FromSeconds(1));

        var result = await Pruner.PruneAsync(Options(minBackups: 1));

        File.Exists(exactly).Should().BeTrue("a backup exactly RetentionDays old is not older than the limit");
        File.Exists(younger).Should().BeTrue();
        File.Exists(older).Should().BeFalse();
        result.Deleted.Select(d => d.Backup.Path).Should().Equal(older);
        result.Kept.Should().HaveCount(2);
    }

    [Fact]
    public async Task Deletion_reason_states_age_and_limit()
    {
        _folder.BackupDaysOld(1);
        _folder.BackupDaysOld(2);
        _folder.BackupDaysOld(3);
        var old = _folder.BackupDaysOld(20);

        var result = await Pruner.PruneAsync(Options());

        result.Deleted.Should().ContainSingle().Which.Should().Match<RetentionDecision>(d =>
            d.Backup.Path == old && d.Reason == "age 20 d > 14 d" && d.Age == TimeSpan.FromDays(20));
        result.Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Age_comes_from_the_name_not_the_file_modification_time()
    {
        var old = _folder.BackupDaysOld(30);
        File.SetLastWriteTimeUtc(old, _folder.Now.UtcDateTime);
        var recentByName = _folder.BackupDaysOld(1);
        File.SetLastWriteTimeUtc(recentByName, _folder.Now.UtcDateTime.AddDays(-100));

        await Pruner.PruneAsync(Options(minBackups: 1));

        File.Exists(old).Should().BeFalse();
        File.Exists(recentByName).Should().BeTrue();
    }

    [Fact]
    public async Task Newest_min_backups_are_kept_even_when_all_are_old()
    {
        // A month of failed backups: nothing new, everything past retention; the last good ones must survive.
        var backups = Enumerable.Range(0, 6).Select(i => _folder.BackupDaysOld(40 + i)).ToList();

        var result = await Pruner.PruneAsync(Options());

        backups.Take(3).Should().OnlyContain(p => File.Exists(p));
        backups.Skip(3).Should().OnlyContain(p => !File.Exists(p));
        result.Kept.Select(k => k.Reason).Should().Equal(
            "one of the newest 3 backups (age 40 d)", "one of the newest 3 backups (age 41 d)", "one of the newest 3 backups (age 42 d)");
    }

    [Fact]
    public async Task A_single_old_backup_survives_with_min_backups_one()
    {
        var only = _folder.BackupDaysOld(365);

        var result = await Pruner.PruneAsync(Options(minBackups: 1));

        File.Exists(only).Should().BeTrue();
        result.Deleted.Should().BeEmpty();
    }

    [Fact]
    public async Task Retention_days_zero_keeps_only_the_newest_min_backups()
    {
        var backups = new[] { 0.1, 0.5, 1, 2, 3 }.Select(d => _folder.BackupDaysOld(d)).ToList();

        var result = await Pruner.PruneAsync(Options(retentionDays: 0, minBackups: 2));

        backups.Take(2).Should().OnlyContain(p => File.Exists(p));
        backups.Skip(2).Should().OnlyContain(p => !File.Exists(p));
        result.Deleted.Should().HaveCount(3);
    }

    [Fact]
    public async Task Backup_dated_in_the_future_is_kept_and_does_not_take_the_newest_slot()
    {
        var future = _folder.Backup(TimeSpan.FromDays(-2));
        var real = Enumerable.Range(0, 3).Select(i => _folder.BackupDaysOld(i + 1)).ToList();

        var result = await Pruner.PruneAsync(Options(retentionDays: 0, minBackups: 1));

        File.Exists(future).Should().BeTrue("clock skew must never make a backup deletable");
        File.Exists(real[0]).Should().BeTrue("the newest real backup, not the future-dated file, is the newest");
        result.Deleted.Should().HaveCount(2);
        result.Ignored.Should().ContainSingle().Which.Reason.Should().StartWith("ignored: dated in the future");
    }

    [Fact]
    public async Task Protected_files_are_kept_past_retention_and_outside_min_backups()
    {
        _folder.BackupDaysOld(1);
        var protectedByName = _folder.BackupDaysOld(30);
        var protectedByPath = _folder.BackupDaysOld(31);
        var unprotected = _folder.BackupDaysOld(32);
        var options = Options(minBackups: 1) with
        {
            ProtectedFiles = new HashSet<string> { Path.GetFileName(protectedByName), protectedByPath },
        };

        var result = await Pruner.PruneAsync(options);

        File.Exists(protectedByName).Should().BeTrue();
        File.Exists(protectedByPath).Should().BeTrue();
        File.Exists(unprotected).Should().BeFalse();
        result.Kept.Where(k => k.Reason == "protected").Select(k => k.Backup.Path).Should().BeEquivalentTo([protectedByName, protectedByPath]);
    }

    [Fact]
    public async Task Manifest_is_deleted_with_its_dump()
    {
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(20);

        await Pruner.PruneAsync(Options(minBackups: 1));

        File.Exists(old).Should().BeFalse();
        File.Exists(old + ".manifest.json").Should().BeFalse();
    }

    [Fact]
    public async Task An_old_dump_without_a_manifest_is_not_a_backup_and_is_never_deleted()
    {
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(20, withManifest: false);

        var result = await Pruner.PruneAsync(Options(minBackups: 1));

        File.Exists(old).Should().BeTrue("a file without a manifest was not written by portfolio-backup (or not finished): never counted, never deleted");
        result.Deleted.Should().BeEmpty();
        result.Ignored.Should().ContainSingle().Which.Reason.Should().Contain("no manifest");
    }

    [Fact]
    public async Task Dry_run_deletes_nothing_and_lists_what_would_go()
    {
        var keep = Enumerable.Range(1, 3).Select(i => _folder.BackupDaysOld(i)).ToList();
        var wouldGo = new[] { _folder.BackupDaysOld(20), _folder.BackupDaysOld(21) };
        var before = _folder.Names();

        var result = await Pruner.PruneAsync(Options() with { DryRun = true });

        _folder.Names().Should().Equal(before);
        result.DryRun.Should().BeTrue();
        result.Deleted.Select(d => d.Backup.Path).Should().Equal(wouldGo);
        result.Kept.Select(k => k.Backup.Path).Should().Equal(keep);
        result.FreedBytes.Should().Be(wouldGo.Sum(p => new FileInfo(p).Length));
    }

    [Theory]
    [InlineData(-1, 3)]
    [InlineData(14, 0)]
    public async Task Invalid_limits_are_a_configuration_error_that_deletes_nothing(int retentionDays, int minBackups)
    {
        var old = _folder.BackupDaysOld(20);

        var act = () => Pruner.PruneAsync(Options(retentionDays, minBackups));

        await act.Should().ThrowAsync<PortfolioBackup.Configuration.ConfigurationException>();
        File.Exists(old).Should().BeTrue();
    }
}
