using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Retention;

/// <summary>Listing the backups of a folder (Docker-free: real files in a temp folder).</summary>
public sealed class BackupCatalogTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TempDirectory _outside = new();
    private readonly BackupFolder _folder;

    public BackupCatalogTests() => _folder = new BackupFolder(_directory, BackupFolder.DefaultNow);

    public void Dispose()
    {
        _directory.Dispose();
        _outside.Dispose();
    }

    [Fact]
    public async Task Lists_backups_newest_first_with_name_time_size_manifest_and_kind()
    {
        var older = _folder.BackupDaysOld(3, withManifest: false);
        var preRestore = _folder.Backup(TimeSpan.FromDays(2), prefix: BackupFileName.PreRestorePrefix);
        var newer = _folder.BackupDaysOld(1);
        _folder.Foreign("backup_latest.dump");
        _folder.Foreign("notes.txt");
        _folder.Foreign(BackupFileName.For(_folder.Now.AddDays(-9)) + ".manifest.json", "{}");

        var entries = await BackupCatalog.ListAsync(_folder.Path);

        entries.Select(e => e.Path).Should().Equal(newer, preRestore, older);
        entries[0].Should().Be(new BackupEntry(
            newer, Path.GetFileName(newer), _folder.Now.AddDays(-1), new FileInfo(newer).Length, HasManifest: true, IsSymlink: false, BackupKind.Regular)
        {
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(newer))),
            Database = "portfolio",
        });
        entries[1].Kind.Should().Be(BackupKind.PreRestore);
        entries[2].HasManifest.Should().BeFalse();
        entries[2].ContentProblem.Should().StartWith("no manifest", "a dump without a manifest is listed, but it is not a backup");
    }

    [Fact]
    public async Task Symlinked_backup_is_listed_as_a_symlink_with_its_target_size()
    {
        var target = _outside.Combine("elsewhere.dump");
        File.WriteAllText(target, "12345");
        File.CreateSymbolicLink(Path.Combine(_folder.Path, BackupFileName.For(_folder.Now.AddDays(-1))), target);

        var entries = await BackupCatalog.ListAsync(_folder.Path);

        entries.Should().ContainSingle().Which.Should().Match<BackupEntry>(e => e.IsSymlink && e.SizeBytes == 5);
    }

    [Fact]
    public async Task Empty_folder_lists_nothing()
    {
        var entries = await BackupCatalog.ListAsync(_folder.Path);

        entries.Should().BeEmpty();
    }
}
