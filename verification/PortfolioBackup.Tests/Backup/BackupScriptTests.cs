using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Backup;

/// <summary>scripts/db_backup/backup_db.sh run by a real bash, as cron or <c>doppler run --</c> would run it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupScriptTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Script_without_BACKUP_DIR_exits_2_with_help()
    {
        // Arrange
        using var temp = new TempDirectory();
        var env = new Dictionary<string, string?>(fixture.CliEnvironment("portfolio", temp.Path)) { ["BACKUP_DIR"] = null };

        // Act
        var result = await OperatorScripts.RunAsync("backup_db.sh", env, workingDirectory: temp.Path);

        // Assert
        result.ExitCode.Should().Be(2);
        result.StandardError.Should().Contain("BACKUP_DIR is not set").And.Contain("BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/backup_db.sh")
            .And.Contain("doppler run -- ./scripts/db_backup/backup_db.sh");
        Directory.GetFileSystemEntries(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Script_run_from_another_folder_writes_a_backup_into_BACKUP_DIR()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var backupDir = temp.Combine("backups");
        var env = fixture.CliEnvironment(database, backupDir);

        // Act
        var result = await OperatorScripts.RunAsync("backup_db.sh", env, workingDirectory: temp.Path);

        // Assert
        result.ExitCode.Should().Be(0, result.StandardError);
        result.StandardOutput.Should().Contain("backup written: ").And.Contain("10 tables");
        (result.StandardOutput + result.StandardError).Should().NotContain(fixture.Password);
        var dumps = Directory.GetFiles(backupDir, "backup_*.dump");
        dumps.Should().ContainSingle();
        BackupFileName.TryParse(Path.GetFileName(dumps[0]), out _).Should().BeTrue();
        File.Exists(BackupFileName.ManifestPathFor(dumps[0])).Should().BeTrue();
    }
}
