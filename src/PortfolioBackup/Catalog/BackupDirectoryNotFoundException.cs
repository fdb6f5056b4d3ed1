namespace PortfolioBackup.Catalog;

/// <summary>The backup folder to list or prune does not exist or is not a folder.</summary>
public sealed class BackupDirectoryNotFoundException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the folder and what is wrong with it.</summary>
    public BackupDirectoryNotFoundException(string directory, string problem, Exception? innerException = null)
        : base($"the backup folder {directory} {problem}; check BACKUP_DIR (or --backup-dir) and that the volume is mounted", innerException)
    {
        Directory = directory;
    }

    /// <summary>The folder as configured.</summary>
    public string Directory { get; }
}
