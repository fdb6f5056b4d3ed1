namespace PortfolioBackup.Backup;

/// <summary>The backup could not be written (pg_dump failed, the disk is full, the file could not be renamed); nothing was left behind.</summary>
public sealed class BackupFailedException : PortfolioBackupException
{
    /// <summary>Creates the exception with what failed, pg_dump's masked stderr when there is any, and what to do.</summary>
    public BackupFailedException(string message, string? standardErrorTail = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>The last lines pg_dump printed (passwords masked), when pg_dump was the part that failed.</summary>
    public string? StandardErrorTail { get; }
}
