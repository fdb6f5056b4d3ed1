using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Backup;

/// <summary>Retention runs after a backup that succeeded, and never after one that failed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupRetentionTests(PostgresServerFixture fixture)
{
    private static readonly string[] OldBackups = [.. Enumerable.Range(30, 3).Select(days => BackupFileName.For(DateTimeOffset.UtcNow.AddDays(-days)))];

    [Fact]
    public async Task Successful_backup_prunes_backups_past_the_retention()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        foreach (var name in OldBackups)
        {
            await File.WriteAllTextAsync(temp.Combine(name), "PGDMP old");
            Retention.BackupFolder.WriteManifest(temp.Combine(name));
        }

        var env = fixture.CliEnvironment(database, temp.Path);
        env["RETENTION_DAYS"] = "14";
        env["MIN_BACKUPS"] = "1";

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        foreach (var name in OldBackups)
        {
            File.Exists(temp.Combine(name)).Should().BeFalse($"{name} is past the 14-day retention");
            run.Output.Should().Contain($"deleted {name}");
        }

        Directory.GetFiles(temp.Path, "backup_*.dump").Should().ContainSingle("only the new backup remains");
    }

    [Fact]
    public async Task Failed_backup_deletes_no_old_backup()
    {
        // Arrange
        using var temp = new TempDirectory();
        foreach (var name in OldBackups)
        {
            await File.WriteAllTextAsync(temp.Combine(name), "old");
        }

        var env = fixture.CliEnvironment("portfolio", temp.Path);
        env["DB_PASSWORD"] = "wrong-password";
        env["MIN_BACKUPS"] = "1";

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(1);
        Directory.GetFiles(temp.Path, "backup_*.dump").Select(Path.GetFileName).Should().BeEquivalentTo(OldBackups);
    }
}
