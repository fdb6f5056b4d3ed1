using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PortfolioBackup.Backup;

/// <summary>
/// An exclusive advisory lock on a backup folder (<c>.portfolio-backup.lock</c>), so two backups, or a backup and a
/// prune, never run at once. Released on dispose or when the process dies (the OS drops the lock with the descriptor).
/// </summary>
public sealed class BackupDirectoryLock : IDisposable
{
    /// <summary>The lock file's name inside the backup folder.</summary>
    public const string FileName = ".portfolio-backup.lock";

    private const string OwnerSuffix = ".owner";
    private const int MaxOwnerBytes = 512;

    private readonly SafeFileHandle _handle;

    private BackupDirectoryLock(SafeFileHandle handle) => _handle = handle;

    /// <summary>Takes the lock or throws <see cref="BackupDirectoryLockedException"/> at once when another run holds it.</summary>
    /// <exception cref="BackupDirectoryLockException">The lock cannot be created or used (read-only or full disk, a symlink, no permission).</exception>
    public static BackupDirectoryLock Acquire(string backupDirectory, string operation)
    {
        var path = Path.Combine(backupDirectory, FileName);

        // O_NOFOLLOW: a symlink planted at the lock's name would otherwise make root create or open its target.
        var handle = NativeFile.Open(path, NativeFile.ReadWrite | NativeFile.Create | NativeFile.NonBlocking, out var errno);
        if (handle.IsInvalid)
        {
            throw CannotUse(backupDirectory, operation, path, errno);
        }

        try
        {
            var (kind, links) = NativeFile.KindOf(handle);
            if (kind != FileKind.Regular)
            {
                throw new BackupDirectoryLockException(operation, $"{path} is not a regular file; remove it and run again");
            }

            var lockError = NativeFile.TryLockExclusive(handle);
            if (lockError == NativeFile.WouldBlock)
            {
                throw new BackupDirectoryLockedException(backupDirectory, operation, ReadOwner(path + OwnerSuffix));
            }

            if (lockError != 0)
            {
                throw CannotUse(backupDirectory, operation, path, lockError);
            }

            // An old lock created under a loose umask is narrowed; a hard-linked one is left alone so no other file changes.
            if (links == 1)
            {
                NativeFile.MakeOwnerOnly(handle);
            }

            WriteOwner(backupDirectory, operation, path + OwnerSuffix);
            return new BackupDirectoryLock(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _handle.Dispose();

    private static void WriteOwner(string backupDirectory, string operation, string ownerPath)
    {
        // Written beside and renamed over the owner file: a rename replaces a planted symlink instead of following it.
        var temporary = ownerPath + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
        File.Delete(temporary);
        var text = $"{operation} by pid {Environment.ProcessId} since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z";
        try
        {
            using (var handle = NativeFile.Open(temporary, NativeFile.ReadWrite | NativeFile.Create | NativeFile.Exclusive, out var errno))
            {
                if (handle.IsInvalid)
                {
                    throw CannotUse(backupDirectory, operation, ownerPath, errno);
                }

                RandomAccess.Write(handle, Encoding.UTF8.GetBytes(text), 0);
            }

            File.Move(temporary, ownerPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupDirectoryLockException(operation, $"cannot write the lock's owner file {ownerPath}: {ex.Message}", ex);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string ReadOwner(string ownerPath)
    {
        // Only a regular file, opened without following links and read to a bounded length: it is shown in a message.
        if (NativeFile.KindOf(ownerPath) != FileKind.Regular)
        {
            return "another process";
        }

        using var handle = NativeFile.Open(ownerPath, NativeFile.ReadOnly | NativeFile.NonBlocking, out _);
        if (handle.IsInvalid)
        {
            return "another process";
        }

        var buffer = new byte[MaxOwnerBytes];
        try
        {
            var read = RandomAccess.Read(handle, buffer, 0);
            return Encoding.UTF8.GetString(buffer, 0, read).Trim();
        }
        catch (IOException)
        {
            return "another process";
        }
    }

    private static BackupDirectoryLockException CannotUse(string backupDirectory, string operation, string path, int errno)
    {
        var advice = errno switch
        {
            NativeFile.SymlinkLoop => $"remove the symlink {path}",
            28 => $"free space or inodes on the disk holding {backupDirectory}",
            30 => $"mount {backupDirectory} read-write or point BACKUP_DIR at a writable folder",
            13 or 1 => "run as the user that owns the backups",
            _ => $"check {backupDirectory}",
        };
        return new BackupDirectoryLockException(operation, $"cannot create the lock {path}: {NativeFile.Describe(errno)}; {advice}", errno: errno);
    }
}

/// <summary>The backup folder's lock cannot be created or used: a read-only or full disk, a symlink in its place, no permission.</summary>
public sealed class BackupDirectoryLockException : PortfolioBackupException
{
    /// <summary>Creates the exception with what was tried and why it failed.</summary>
    public BackupDirectoryLockException(string operation, string problem, Exception? innerException = null, int errno = 0)
        : base($"cannot {operation}: {problem}", innerException)
    {
        Errno = errno;
    }

    /// <summary>The operating system's error number, 0 when not from a system call.</summary>
    public int Errno { get; }

    /// <summary>True when the failure is a permission problem (EACCES or EPERM).</summary>
    public bool IsPermissionDenied => Errno is 13 or 1;
}

/// <summary>Another backup or prune holds the backup folder's lock.</summary>
public sealed class BackupDirectoryLockedException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the folder and who holds it.</summary>
    public BackupDirectoryLockedException(string directory, string operation, string holder, Exception? innerException = null)
        : base($"cannot {operation}: {directory} is locked by another run ({(holder.Length == 0 ? "unknown holder" : holder)}). " +
               "Wait for it to finish; if no other run is active, the lock is released automatically when its process exits.", innerException)
    {
    }
}
