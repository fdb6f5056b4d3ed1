using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Lifetime;

namespace PortfolioBackup.Tests.Encryption;

/// <summary>An encrypted backup whose age is killed, or that is cancelled mid-dump: a specific failure and nothing left behind.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EncryptedBackupFailureTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Killing_age_mid_backup_fails_with_ages_name_and_keeps_no_file()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await Backup.BackupTestSupport.AddBulkTableAsync(fixture, database, 400_000);
        var keys = await AgeKeys.CreateAsync();
        using var backups = new TempDirectory();
        var settings = Backup.BackupTestSupport.Settings(fixture, database, backups.Path) with { AgeRecipients = [keys.Public], CountRows = false };

        // Act
        var running = BackupRunner.RunAsync(settings);
        var age = await ProcFs.WaitForDescendantAsync(Environment.ProcessId, "--recipient " + keys.Public, TimeSpan.FromSeconds(20));
        age.Should().NotBeNull("age runs while pg_dump streams into it");
        ProcFs.Kill(age!.Value);
        var act = () => running;

        // Assert
        (await act.Should().ThrowAsync<BackupFailedException>()).Which.Message.Should().Contain("age failed").And.Contain("No backup file was kept");
        Backup.BackupTestSupport.BackupArtifacts(backups.Path).Should().BeEmpty();
        (await ProcFs.WaitUntilAsync(() => ProcFs.Descendants(Environment.ProcessId).All(p => !ProcFs.CommandLine(p).Contains("pg_dump", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)))
            .Should().BeTrue("pg_dump is stopped when age dies");
    }

    [Fact]
    public async Task Cancelling_an_encrypted_backup_stops_both_programs_and_removes_the_partial_file()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await Backup.BackupTestSupport.AddBulkTableAsync(fixture, database, 400_000);
        var keys = await AgeKeys.CreateAsync();
        using var backups = new TempDirectory();
        var settings = Backup.BackupTestSupport.Settings(fixture, database, backups.Path) with { AgeRecipients = [keys.Public], CountRows = false };
        using var cancel = new CancellationTokenSource();

        // Act
        var running = BackupRunner.RunAsync(settings, cancel.Token);
        var age = await ProcFs.WaitForDescendantAsync(Environment.ProcessId, "--recipient " + keys.Public, TimeSpan.FromSeconds(20));
        await cancel.CancelAsync();
        var act = () => running;

        // Assert
        age.Should().NotBeNull();
        await act.Should().ThrowAsync<OperationCanceledException>();
        Backup.BackupTestSupport.BackupArtifacts(backups.Path).Should().BeEmpty();
        (await ProcFs.WaitUntilAsync(() => !ProcFs.IsAlive(age!.Value), TimeSpan.FromSeconds(10))).Should().BeTrue("age is killed with the run");
    }
}
