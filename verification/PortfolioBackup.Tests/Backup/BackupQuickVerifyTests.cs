using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Backup;

/// <summary><c>backup --verify quick</c> reads the new dump back natively before retention runs.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupQuickVerifyTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Backup_with_quick_verify_reads_the_new_dump_back_and_matches_the_manifest()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, temp.Path), "backup", "--verify", "quick");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().MatchRegex(@"verify:\s+pass\s+dump-rows")
            .And.Contain("verify:   pass  file")
            .And.NotContain("FAIL");
    }

    [Fact]
    public async Task Unknown_verify_tier_is_a_usage_error_before_any_backup()
    {
        // Arrange
        using var temp = new TempDirectory();

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment("portfolio", temp.Combine("b")), "backup", "--verify", "full");

        // Assert
        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("full");
        Directory.Exists(temp.Combine("b")).Should().BeFalse();
    }
}
