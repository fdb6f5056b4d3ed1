using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Engines;

/// <summary>
/// A starting server is found ready from its <c>postmaster.pid</c> (issue 19) before a connection is tried; the file's
/// eighth line is the status, and anything short of "ready" (or no file at all) means keep waiting.
/// </summary>
public sealed class PostmasterStatusTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("ready   ", true)]
    [InlineData("starting", false)]
    [InlineData("stopping", false)]
    public void The_eighth_line_of_postmaster_pid_says_whether_the_server_is_ready(string status, bool ready)
    {
        // Arrange: the layout PostgreSQL writes (pid, data directory, start time, port, socket folder, listen address, shared memory key, status).
        File.WriteAllText(_dir.Combine("postmaster.pid"), $"4242\n{_dir.Path}\n1733550000\n5432\n/tmp\n127.0.0.1\n  5432001    163840\n{status}\n");

        // Act and assert
        PostmasterStatus.IsReady(_dir.Path).Should().Be(ready);
    }

    [Fact]
    public void A_missing_or_short_postmaster_pid_is_not_ready()
    {
        // Arrange: a server that has not yet written its status line.
        var empty = _dir.Combine("empty");
        Directory.CreateDirectory(empty);
        var early = _dir.Combine("early");
        Directory.CreateDirectory(early);
        File.WriteAllText(Path.Combine(early, "postmaster.pid"), "4242\n/data\n1733550000\n5432\n");

        // Act and assert
        PostmasterStatus.IsReady(empty).Should().BeFalse();
        PostmasterStatus.IsReady(early).Should().BeFalse();
    }
}
