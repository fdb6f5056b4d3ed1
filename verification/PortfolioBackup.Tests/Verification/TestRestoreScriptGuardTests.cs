using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Verification;

/// <summary>test_restore.sh refuses to run without a backup folder and says how to set one (no server, no Docker).</summary>
public sealed class TestRestoreScriptGuardTests
{
    [Fact]
    public async Task Script_without_BACKUP_DIR_exits_2_naming_the_variable_with_examples()
    {
        // Arrange
        using var temp = new TempDirectory();
        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = null, ["RESULTS_DIR"] = temp.Combine("results") };

        // Act
        var result = await OperatorScripts.RunAsync("test_restore.sh", env, workingDirectory: temp.Path);

        // Assert
        result.ExitCode.Should().Be(2);
        result.StandardError.Should().Contain("BACKUP_DIR is not set")
            .And.Contain("BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/test_restore.sh")
            .And.Contain("doppler run -- ./scripts/db_backup/test_restore.sh");
        Directory.Exists(temp.Combine("results")).Should().BeFalse("nothing runs before the guard");
    }

    [Fact]
    public async Task Script_with_a_BACKUP_DIR_that_does_not_exist_exits_2_naming_it()
    {
        // Arrange
        using var temp = new TempDirectory();
        var missing = temp.Combine("no-such-folder");
        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = missing, ["RESULTS_DIR"] = temp.Combine("results") };

        // Act
        var result = await OperatorScripts.RunAsync("test_restore.sh", env, workingDirectory: temp.Path);

        // Assert
        result.ExitCode.Should().Be(2);
        result.StandardError.Should().Contain($"BACKUP_DIR={missing} is not a folder").And.Contain("doppler run --");
    }
}
