namespace PortfolioBackup.Retention;

/// <summary>The backup folder cannot be written by this user, so it can be neither locked nor pruned.</summary>
public sealed class BackupDirectoryAccessException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the folder.</summary>
    public BackupDirectoryAccessException(string directory, Exception? innerException = null)
        : base($"cannot prune: no permission to write in {directory} (needed for its lock and to delete backups); " +
               "run as the user that owns the backups, or use --dry-run to only see what would be deleted", innerException)
    {
    }
}

/// <summary>A real prune was refused because the verification ledger exists but cannot be read, so the newest verified backup is unknown.</summary>
public sealed class RetentionRefusedException : PortfolioBackupException
{
    /// <summary>Creates the exception with the ledger's problem.</summary>
    public RetentionRefusedException(string ledgerProblem)
        : base($"cannot prune: {ledgerProblem}; without it the newest verified backup cannot be protected, so nothing was deleted. " +
               "Fix the ledger's permissions (or move it aside) and run prune again.")
    {
    }
}
