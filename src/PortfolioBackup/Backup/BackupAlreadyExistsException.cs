namespace PortfolioBackup.Backup;

/// <summary>A backup with the same name (same UTC second) already exists; it is never overwritten.</summary>
public sealed class BackupAlreadyExistsException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the existing file.</summary>
    public BackupAlreadyExistsException(string path)
        : base($"{path} already exists (a backup was taken in the same second); it was left untouched. Run the backup again in a second.")
    {
        Path = path;
    }

    /// <summary>The existing backup's path.</summary>
    public string Path { get; }
}
