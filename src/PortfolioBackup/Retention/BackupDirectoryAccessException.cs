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

/// <summary>A real prune was refused because the newest verified backup is unknown (an unreadable ledger, a bucket that did not answer); nothing was deleted.</summary>
public sealed class RetentionRefusedException : PortfolioBackupException
{
    private RetentionRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>The ledger exists but cannot be read.</summary>
    public static RetentionRefusedException LedgerUnreadable(string ledgerProblem) =>
        new($"cannot prune: {ledgerProblem}; without it the newest verified backup cannot be protected, so nothing was deleted. " +
            "Fix the ledger's permissions (or move it aside) and run prune again.");

    /// <summary>The bucket's verdicts could not be read, and the plan would delete a backup one of them might prove the newest verified.</summary>
    public static RetentionRefusedException BucketUnavailable(string problem, string unsettled) =>
        new($"cannot prune: the bucket's verdicts could not be read ({problem}), and the local ledger does not settle which backup is the newest verified: " +
            $"{unsettled}. Nothing was deleted; prune runs again with the next backup, or run 'portfolio-backup prune' when the bucket answers.");
}
