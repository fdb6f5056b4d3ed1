using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Lifetime;

/// <summary>Cleaning up after killed runs removes only folders of ours, whatever an owner file inside claims.</summary>
public sealed class StaleCleanupSafetyTests : IDisposable
{
    private const string DeadMark = "999999999.1";

    private readonly TempDirectory _parent = new();

    public void Dispose() => _parent.Dispose();

    [Fact]
    public async Task A_folder_of_another_user_with_a_planted_owner_file_is_never_removed()
    {
        // Arrange: another local user makes a folder named like ours, naming a dead owner.
        var foreign = MakeClusterFolder("portfolio-pg-foreign");
        ToolRunner.RunSync("chown", ["-R", "nobody:nogroup", foreign]);

        // Act
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await StaleServerCleanup.RunAsync([_parent.Path], timeout.Token);

        // Assert
        Directory.Exists(foreign).Should().BeTrue("a folder owned by another user is not ours to remove");
        File.Exists(Path.Combine(foreign, "data", "keep.txt")).Should().BeTrue();
    }

    [Fact]
    public async Task A_folder_of_ours_whose_owner_is_gone_is_removed_and_said_so()
    {
        // Arrange
        var ours = MakeClusterFolder("portfolio-pg-ours");

        // Act
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var notes = await StaleServerCleanup.RunAsync([_parent.Path], timeout.Token);

        // Assert
        Directory.Exists(ours).Should().BeFalse();
        notes.Should().ContainSingle().Which.Should().Contain("cleaned up after an earlier run that was killed").And.Contain(ours);
    }

    [Fact]
    public async Task A_folder_a_finished_run_left_to_its_watchdog_is_removed_without_reporting_a_killed_run()
    {
        // Arrange: a run stopped its server and left the folder for its watchdog, which has not removed it yet.
        var left = MakeClusterFolder("portfolio-pg-left");
        File.WriteAllText(Path.Combine(left, StaleServerCleanup.StoppedFile), string.Empty);

        // Act
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var notes = await StaleServerCleanup.RunAsync([_parent.Path], timeout.Token);

        // Assert
        Directory.Exists(left).Should().BeFalse("a folder left on purpose goes all the same");
        notes.Should().BeEmpty("nothing was killed, so nothing is reported");
    }

    private string MakeClusterFolder(string name)
    {
        var folder = _parent.Combine(name);
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllText(Path.Combine(folder, "data", "keep.txt"), "not yours");
        File.WriteAllText(Path.Combine(folder, StaleServerCleanup.OwnerFile), DeadMark);
        return folder;
    }
}
