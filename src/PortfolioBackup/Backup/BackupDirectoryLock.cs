namespace PortfolioBackup.Backup;

/// <summary>
/// An exclusive advisory lock on a backup folder (<c>.portfolio-backup.lock</c>), so two backups, or a backup and a
/// prune, never run at once. Released on dispose or when the process dies (the OS drops the lock with the descriptor).
/// </summary>
public sealed class BackupDirectoryLock : IDisposable
{
    /// <summary>The lock file's name inside the backup folder.</summary>
    public const string FileName = ".portfolio-backup.lock";

    private readonly FileStream _stream;

    private BackupDirectoryLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock or throws <see cref="BackupDirectoryLockedException"/> at once when another run holds it.</summary>
    public static BackupDirectoryLock Acquire(string backupDirectory, string operation)
    {
        var path = Path.Combine(backupDirectory, FileName);
        var ownerPath = path + ".owner";
        try
        {
            // On Unix, FileShare.None makes .NET take flock(LOCK_EX|LOCK_NB) on the descriptor. The holder is written
            // to a side file because .NET also locks any reader of the lock file itself.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            File.WriteAllText(ownerPath, $"{operation} by pid {Environment.ProcessId} since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z");
            return new BackupDirectoryLock(stream);
        }
        catch (IOException ex) when (File.Exists(path))
        {
            string holder;
            try
            {
                holder = File.ReadAllText(ownerPath).Trim();
            }
            catch (IOException)
            {
                holder = "another process";
            }

            throw new BackupDirectoryLockedException(backupDirectory, operation, holder, ex);
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _stream.Dispose();
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
