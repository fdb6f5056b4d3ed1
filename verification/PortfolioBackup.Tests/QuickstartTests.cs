using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests;

/// <summary>The README's first command works as written: a throwaway database, a backup, and its restore proof.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public async Task Quickstart_backs_up_a_sample_database_and_proves_the_backup_restores()
    {
        // Arrange
        using var work = new TempDirectory();
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
            ["QUICKSTART_DIR"] = work.Path,
            ["QUICKSTART_USERS"] = "50",
            ["QUICKSTART_IMAGES"] = "300",
        };

        // Act
        var result = await OperatorScripts.RunAsync("../quickstart.sh", environment, work.Path);

        // Assert
        var output = result.StandardOutput + result.StandardError;
        result.ExitCode.Should().Be(0, output);
        output.Should().Contain("portfolio database: 50 users, 300 images, 12 migrations")
            .And.Contain("tables:   3 tables, 362 rows (exact, same snapshot)")
            .And.Contain("row-counts: 3 tables match the manifest's exact counts (362 rows)")
            .And.Contain("1 of 1 dump(s) healthy");
        Directory.GetFiles(Path.Combine(work.Path, "backups"), "backup_*.dump").Should().ContainSingle();
        Directory.Exists(Path.Combine(work.Path, "pg")).Should().BeFalse("the throwaway database is removed");
    }
}
