using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests;

public sealed class BackupDirectoryLockTests
{
    [Fact]
    public void Second_holder_is_refused_with_the_first_holders_operation_and_pid()
    {
        using var dir = new TempDirectory();
        using var first = BackupDirectoryLock.Acquire(dir.Path, "back up");

        var act = () => BackupDirectoryLock.Acquire(dir.Path, "prune");

        act.Should().Throw<BackupDirectoryLockedException>()
            .WithMessage($"*cannot prune*locked by another run (back up by pid {Environment.ProcessId} since *");
    }

    [Fact]
    public void Lock_is_free_again_after_dispose()
    {
        using var dir = new TempDirectory();
        BackupDirectoryLock.Acquire(dir.Path, "back up").Dispose();

        using var second = BackupDirectoryLock.Acquire(dir.Path, "prune");

        second.Should().NotBeNull();
    }
}
