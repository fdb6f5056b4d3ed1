using System.Diagnostics;
using System.Runtime.InteropServices;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Backup;

/// <summary>The folder's lock against planted symlinks, read-only and full disks, and a loose umask (Docker-free; mounts tmpfs as root).</summary>
public sealed class LockHardeningTests : IDisposable
{
    private const UnixFileMode GroupOrOtherWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    private readonly TempDirectory _directory = new();
    private readonly TempDirectory _outside = new();

    public void Dispose()
    {
        _directory.Dispose();
        _outside.Dispose();
    }

    private string LockPath => _directory.Combine(BackupDirectoryLock.FileName);

    [Fact]
    public void A_symlink_at_the_lock_is_refused_and_its_target_is_never_created()
    {
        // Arrange
        var target = _outside.Combine("created-by-root");
        File.CreateSymbolicLink(LockPath, target);

        // Act
        var act = () => BackupDirectoryLock.Acquire(_directory.Path, "back up");

        // Assert
        act.Should().Throw<BackupDirectoryLockException>().WithMessage("*cannot back up: cannot create the lock*symbolic link*");
        File.Exists(target).Should().BeFalse();
    }

    [Fact]
    public void A_symlink_at_the_owner_file_is_replaced_not_written_through()
    {
        // Arrange
        var victim = _outside.Combine("victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(LockPath + ".owner", victim);

        // Act
        using (BackupDirectoryLock.Acquire(_directory.Path, "back up"))
        {
        }

        // Assert
        File.ReadAllText(victim).Should().Be("precious");
        new FileInfo(LockPath + ".owner").LinkTarget.Should().BeNull();
    }

    [Fact]
    public async Task A_read_only_folder_is_reported_as_read_only_not_as_locked()
    {
        // Arrange
        using var mount = await TmpfsMount.CreateAsync(_directory.Path, "size=1m");
        BackupDirectoryLock.Acquire(_directory.Path, "back up").Dispose();
        await mount.RemountAsync("ro");

        // Act
        var act = () => BackupDirectoryLock.Acquire(_directory.Path, "back up");

        // Assert
        act.Should().Throw<BackupDirectoryLockException>().WithMessage("*Read-only file system*").Which.Message.Should().NotContain("locked by another run");
    }

    [Fact]
    public async Task A_folder_out_of_inodes_is_reported_as_that_not_as_locked()
    {
        // Arrange
        using var mount = await TmpfsMount.CreateAsync(_directory.Path, "size=1m,nr_inodes=4");
        for (var i = 0; ; i++)
        {
            try
            {
                File.WriteAllText(_directory.Combine($"filler-{i}"), "x");
            }
            catch (IOException)
            {
                break;
            }
        }

        // Act
        var act = () => BackupDirectoryLock.Acquire(_directory.Path, "back up");

        // Assert
        act.Should().Throw<BackupDirectoryLockException>().WithMessage("*No space left on device*free space or inodes*");
    }

    [Fact]
    public async Task Lock_owner_file_and_ledger_are_never_group_or_world_writable_even_with_umask_000()
    {
        // Arrange
        var entry = new LedgerEntry { File = "backup_20240101_000000.dump", VerifiedAt = DateTimeOffset.UtcNow, Engine = "local", Healthy = true };
        var previous = Umask(0);
        try
        {
            // Act
            using (BackupDirectoryLock.Acquire(_directory.Path, "back up"))
            {
            }

            (await VerificationLedger.AppendAsync(_directory.Path, entry)).Should().BeNull();
        }
        finally
        {
            Umask(previous);
        }

        // Assert
        foreach (var path in new[] { LockPath, LockPath + ".owner", VerificationLedger.PathIn(_directory.Path) })
        {
            (File.GetUnixFileMode(path) & GroupOrOtherWrite).Should().Be((UnixFileMode)0, path);
        }
    }

    [DllImport("libc", EntryPoint = "umask")]
    private static extern int Umask(int mask);

    /// <summary>A tmpfs mounted over a test folder, unmounted on dispose.</summary>
    private sealed class TmpfsMount(string path) : IDisposable
    {
        public static async Task<TmpfsMount> CreateAsync(string path, string options)
        {
            await RunAsync("mount", "-t", "tmpfs", "-o", options, "tmpfs", path);
            return new TmpfsMount(path);
        }

        public Task RemountAsync(string options) => RunAsync("mount", "-o", "remount," + options, path);

        public void Dispose() => RunAsync("umount", path).GetAwaiter().GetResult();

        private static async Task RunAsync(string tool, params string[] arguments)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var process = Process.Start(tool, arguments);
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.Should().Be(0, $"{tool} {string.Join(' ', arguments)} must work (the tests run as root)");
        }
    }
}
