using PortfolioBackup.VerificationSuite.Fixtures;

namespace PortfolioBackup.VerificationSuite;

/// <summary>Every dump in BACKUP_DIR restores into the throwaway server and passes every check of the verification engine.</summary>
[Collection(RestoredDumpsCollection.Name)]
public sealed class DumpHealthTests(RestoredDatabases databases)
{
    [Theory]
    [MemberData(nameof(DumpCase.All), MemberType = typeof(DumpCase))]
    public async Task Dump_restores_and_passes_every_check(DumpCase dump)
    {
        // Arrange
        databases.ShouldHaveSomethingToVerify(withHelp: true);

        // Act
        var verdict = await databases.VerifyAsync(dump);

        // Assert
        verdict.ShouldBeHealthy();
        verdict.Tables.Should().NotBeEmpty($"{dump}: a restored portfolio database has tables");
    }
}
