using PortfolioBackup.Verification;

namespace PortfolioBackup.Restore;

/// <summary>The dump failed its checks and was not restored; the target was not touched.</summary>
public sealed class DumpRejectedException : PortfolioBackupException
{
    /// <summary>Creates the exception listing the failed checks.</summary>
    public DumpRejectedException(string dumpPath, IReadOnlyList<CheckResult> checks, bool forceAllowed = true)
        : base($"{dumpPath} is not healthy, so it was not restored and the target was not touched:" +
               string.Concat(checks.Where(c => !c.Passed).Select(c => $"{Environment.NewLine}  - {c.Name}: {c.Detail}")) +
               (forceAllowed
                   ? $"{Environment.NewLine}Restore another backup, or pass --force to restore this one anyway."
                   : $"{Environment.NewLine}Restore another backup: only a regular file is handed to pg_restore, even with --force."))
    {
        Checks = checks;
    }

    /// <summary>Every check made, passed or not.</summary>
    public IReadOnlyList<CheckResult> Checks { get; }
}

/// <summary>The restore was not confirmed; nothing was changed.</summary>
public sealed class RestoreDeclinedException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the target left alone.</summary>
    public RestoreDeclinedException(string target)
        : base($"restore not confirmed; {target} was not changed.")
    {
    }
}

/// <summary>pg_restore (or creating the database) failed partway; the message says what state the target is in and how to roll back.</summary>
public sealed class RestoreFailedException : PortfolioBackupException
{
    /// <summary>Creates the exception with the cause and the rollback advice.</summary>
    public RestoreFailedException(string message, string? rollbackCommand, Exception? innerException = null)
        : base(message, innerException)
    {
        RollbackCommand = rollbackCommand;
    }

    /// <summary>The command line that restores the safety backup, or null when there is none.</summary>
    public string? RollbackCommand { get; }
}

/// <summary>The target could not be reached or inspected before the restore; it was not changed.</summary>
public sealed class RestoreTargetUnavailableException : PortfolioBackupException
{
    /// <summary>Creates the exception with the cause.</summary>
    public RestoreTargetUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>The restore was interrupted (Ctrl-C, SIGTERM) while pg_restore ran; the message says what state the target is in and how to roll back.</summary>
public sealed class RestoreInterruptedException : OperationCanceledException
{
    /// <summary>Creates the exception with the target's state and the rollback advice.</summary>
    public RestoreInterruptedException(string message, string? rollbackCommand, OperationCanceledException innerException)
        : base(message, innerException, innerException.CancellationToken)
    {
        RollbackCommand = rollbackCommand;
    }

    /// <summary>The command line that restores the safety backup, or null when there is none.</summary>
    public string? RollbackCommand { get; }
}
