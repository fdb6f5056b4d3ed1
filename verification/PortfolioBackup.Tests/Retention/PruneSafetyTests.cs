using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Retention;

/// <summary>What a prune must never delete: foreign files, safety backups, symlinks, orphan manifests; and its lock (Docker-free).</summary>
public sealed class PruneSafetyTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TempDirectory _outside = new();
    private readonly BackupFolder _folder;

    public PruneSafetyTests() => _folder = new BackupFolder(_directory, BackupFolder.DefaultNow);

    public void Dispose()
    {
        _directory.Dispose();
        _outside.Dispose();
    }

    private RetentionOptions Options(int retentionDays = 14, int minBackups = 1) => new()
    {
        BackupDirectory = _folder.Path,
        RetentionDays = retentionDays,
        MinBackups = minBackups,
        Now = _folder.Now,
    };

    [Fact]
    public async Task Foreign_files_are_left_untouched()
    {
        _folder.BackupDaysOld(1);
        string[] foreign =
        [
            "backup_latest.dump",
            "backup_20240101.dump.bak",
            "backup_20240101_000000.dump.bak",
            "backup_20241399_000000.dump",
            "backup_20240101_000000.sql",
            "backup_20240101_000000.dump.partial",
            "Backup_20240101_000000.dump",
            "old-backup_20240101_000000.dump",
            "notes.txt",
            "database.sql.gz",
        ];
        foreach (var name in foreign)
        {
            _folder.Foreign(name);
        }

        var result = await Pruner.PruneAsync(Options(retentionDays: 0));

        _folder.Names().Should().Contain(foreign);
        result.Deleted.Should().BeEmpty();
        result.Kept.Should().ContainSingle("foreign files are not backups and are not even listed");
    }

    [Fact]
    public async Task Pre_restore_backups_are_untouched_and_do_not_count_towards_min_backups()
    {
        var preRestore = Enumerable.Range(0, 3).Select(i => _folder.Backup(TimeSpan.FromDays(i + 0.5), prefix: BackupFileName.PreRestorePrefix)).ToList();
        var oldPreRestore = _folder.Backup(TimeSpan.FromDays(90), prefix: BackupFileName.PreRestorePrefix);
        var newestRegular = _folder.BackupDaysOld(30);
        var older = _folder.BackupDaysOld(31);

        var result = await Pruner.PruneAsync(Options(minBackups: 1));

        preRestore.Append(oldPreRestore).Should().OnlyContain(p => File.Exists(p) && File.Exists(p + ".manifest.json"));
        File.Exists(newestRegular).Should().BeTrue("the three newer pre-restore files must not use up the MinBackups slot");
        File.Exists(older).Should().BeFalse();
        result.Kept.Where(k => k.Backup.Kind == BackupKind.PreRestore).Should().HaveCount(4);
    }

    [Fact]
    public async Task Symlinked_backup_is_not_followed_and_not_deleted()
    {
        var target = _outside.Combine("precious.dump");
        File.WriteAllText(target, "outside the backup folder");
        var link = Path.Combine(_folder.Path, BackupFileName.For(_folder.Now.AddDays(-60)));
        File.CreateSymbolicLink(link, target);
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(40);

        var result = await Pruner.PruneAsync(Options(retentionDays: 0, minBackups: 1));

        File.Exists(target).Should().BeTrue();
        File.ReadAllText(target).Should().Be("outside the backup folder");
        new FileInfo(link).LinkTarget.Should().Be(target, "the link itself is not deleted either");
        File.Exists(old).Should().BeFalse("the symlink must not take a MinBackups slot from a real backup");
        result.Ignored.Should().ContainSingle(k => k.Backup.IsSymlink).Which.Reason.Should().Contain("a symbolic link, never followed");
    }

    [Fact]
    public async Task A_dangling_symlink_named_like_a_fresh_backup_is_never_the_newest_for_status_verify_or_the_suite()
    {
        // The hostile run: status said OK with the real newest backup days old, and verify --latest picked the link.
        var now = new BackupFolder(_directory, DateTimeOffset.UtcNow);
        var real = now.Backup(TimeSpan.FromHours(60));
        var link = Path.Combine(_folder.Path, BackupFileName.For(DateTimeOffset.UtcNow.AddMinutes(-1)));
        File.CreateSymbolicLink(link, "/nonexistent");
        var environment = new Dictionary<string, string?> { ["BACKUP_DIR"] = _folder.Path };

        var status = await CliRunner.RunAsync(environment, "status", "--max-age-hours", "26");
        var latest = DumpSelector.Select(_folder.Path, latest: true, DateTimeOffset.UtcNow);

        status.ExitCode.Should().Be(1, status.AllOutput);
        status.Output.Should().StartWith("CRITICAL - ").And.Contain($"newest backup {Path.GetFileName(real)} is 2 d 12 h old");
        latest.Paths.Should().Equal(real);
    }

    [Fact]
    public async Task A_symlinked_manifest_is_never_followed_and_its_dump_is_not_a_backup()
    {
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(40, withManifest: false);
        var target = _outside.Combine("some.json");
        File.WriteAllText(target, "{}");
        File.CreateSymbolicLink(old + ".manifest.json", target);

        var result = await Pruner.PruneAsync(Options());

        File.Exists(old).Should().BeTrue("a manifest that is a link is not read, so nothing proves the dump is a backup");
        result.Ignored.Should().ContainSingle().Which.Reason.Should().Contain("its manifest cannot be read (a symbolic link, which is not followed)");
        File.Exists(target).Should().BeTrue();
    }

    [Fact]
    public async Task Orphan_manifests_are_left_alone()
    {
        _folder.BackupDaysOld(1);
        var orphan = _folder.Foreign(BackupFileName.For(_folder.Now.AddDays(-90)) + ".manifest.json", "{}");

        var result = await Pruner.PruneAsync(Options(retentionDays: 0));

        File.Exists(orphan).Should().BeTrue();
        result.Deleted.Should().BeEmpty();
    }

    [Fact]
    public async Task Sub_folder_named_like_a_backup_is_left_alone()
    {
        _folder.BackupDaysOld(1);
        var folder = Path.Combine(_folder.Path, BackupFileName.For(_folder.Now.AddDays(-90)));
        Directory.CreateDirectory(folder);

        var result = await Pruner.PruneAsync(Options(retentionDays: 0));

        Directory.Exists(folder).Should().BeTrue();
        result.Deleted.Should().BeEmpty();
    }

    [Fact]
    public async Task Symlinked_backup_folder_is_resolved_and_reported()
    {
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(40);
        var link = _outside.Combine("backups-link");
        Directory.CreateSymbolicLink(link, _folder.Path);

        var result = await Pruner.PruneAsync(Options() with { BackupDirectory = link });

        result.BackupDirectory.Should().Be(_folder.Path);
        result.SymlinkedFrom.Should().Be(link);
        File.Exists(old).Should().BeFalse();
        Directory.Exists(link).Should().BeTrue();
    }

    [Fact]
    public async Task Missing_backup_folder_is_a_clear_error()
    {
        var missing = _outside.Combine("nope");

        var act = () => Pruner.PruneAsync(Options() with { BackupDirectory = missing });

        (await act.Should().ThrowAsync<BackupDirectoryNotFoundException>())
            .Which.Message.Should().Contain(missing).And.Contain("does not exist").And.Contain("BACKUP_DIR");
    }

    [Fact]
    public async Task Prune_refuses_while_another_run_holds_the_lock_and_deletes_nothing()
    {
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(40);
        using var held = BackupDirectoryLock.Acquire(_folder.Path, "backup");

        var act = () => Pruner.PruneAsync(Options());

        (await act.Should().ThrowAsync<BackupDirectoryLockedException>())
            .Which.Message.Should().Contain("cannot prune").And.Contain(_folder.Path);
        File.Exists(old).Should().BeTrue();
    }

    [Fact]
    public async Task Dry_run_works_while_another_run_holds_the_lock()
    {
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(40);
        using var held = BackupDirectoryLock.Acquire(_folder.Path, "backup");

        var result = await Pruner.PruneAsync(Options() with { DryRun = true });

        result.Deleted.Should().ContainSingle().Which.Backup.Path.Should().Be(old);
        File.Exists(old).Should().BeTrue();
    }

    [Fact]
    public async Task Backup_flow_can_prune_with_the_lock_it_already_holds()
    {
        _folder.BackupDaysOld(0);
        var old = _folder.BackupDaysOld(40);
        using var held = BackupDirectoryLock.Acquire(_folder.Path, "backup");

        var result = await Pruner.PruneAsync(Options(), held);

        File.Exists(old).Should().BeFalse();
        result.Deleted.Should().ContainSingle();
        var act = () => Pruner.PruneAsync(Options());
        await act.Should().ThrowAsync<BackupDirectoryLockedException>("the caller's lock is still held after its prune");
    }

    [Fact]
    public async Task Lock_is_released_after_a_prune()
    {
        _folder.BackupDaysOld(1);

        await Pruner.PruneAsync(Options());

        using var again = BackupDirectoryLock.Acquire(_folder.Path, "backup");
        again.Should().NotBeNull();
    }
}
