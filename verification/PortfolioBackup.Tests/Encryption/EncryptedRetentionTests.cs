using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Encryption;

/// <summary>Retention and the catalog treat <c>.dump.age</c> backups like plain ones; no database.</summary>
public sealed class EncryptedRetentionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2024, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Old_encrypted_and_plain_backups_are_pruned_alike_and_the_newest_are_kept()
    {
        // Arrange
        var oldEncrypted = Write(TimeSpan.FromDays(30), encrypted: true);
        var oldPlain = Write(TimeSpan.FromDays(20), encrypted: false);
        var recent = Enumerable.Range(1, 3).Select(d => Write(TimeSpan.FromDays(d), encrypted: d % 2 == 1)).ToList();

        // Act
        var result = await Pruner.PruneAsync(new RetentionOptions { BackupDirectory = _directory.Path, RetentionDays = 14, MinBackups = 3, Now = Now });

        // Assert
        result.Deleted.Select(d => d.Backup.Path).Should().BeEquivalentTo([oldPlain, oldEncrypted]);
        File.Exists(BackupFileName.ManifestPathFor(oldEncrypted)).Should().BeFalse("the manifest goes with its dump");
        result.Kept.Select(k => k.Backup.Path).Should().BeEquivalentTo(recent);
    }

    [Fact]
    public async Task A_dump_age_name_without_the_age_header_is_never_a_backup()
    {
        // Arrange
        var fake = _directory.Combine(BackupFileName.For(Now.AddHours(-1), BackupFileName.BackupPrefix, encrypted: true));
        await File.WriteAllTextAsync(fake, "PGDMP but not encrypted");
        var real = Write(TimeSpan.FromHours(2), encrypted: true);

        // Act
        var entries = await BackupCatalog.ListAsync(_directory.Path);
        var newest = await BackupCatalog.NewestAsync(_directory.Path, Now);

        // Assert
        entries.Should().HaveCount(2);
        entries.Single(e => e.Path == fake).ContentProblem.Should().Be("not an age-encrypted file (no age-encryption.org/v1 header): a plain custom-format dump named .dump.age");
        newest!.Path.Should().Be(real);
        BackupFileName.TryParse(Path.GetFileName(real), out var takenAt).Should().BeTrue();
        takenAt.Should().Be(Now.AddHours(-2));
    }

    private string Write(TimeSpan age, bool encrypted)
    {
        var path = _directory.Combine(BackupFileName.For(Now - age, BackupFileName.BackupPrefix, encrypted));
        File.WriteAllText(path, encrypted ? "age-encryption.org/v1\n-> X25519 fake\n" : "PGDMP fake");
        Retention.BackupFolder.WriteManifest(path);
        return path;
    }
}
