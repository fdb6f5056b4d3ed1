using PortfolioBackup.Catalog;
namespace PortfolioBackup.Retention;

/// <summary>Why one backup is kept or deleted.</summary>
/// <param name="Backup">The backup the decision is about.</param>
/// <param name="Age">Its age by the time in its name, at the moment the prune measured from.</param>
/// <param name="Reason">Human reason, e.g. "age 20 d > 14 d" or "one of the newest 3 backups".</param>
public sealed record RetentionDecision(BackupEntry Backup, TimeSpan Age, string Reason);

/// <summary>A deletion the prune attempted and could not finish.</summary>
/// <param name="Backup">The backup being deleted.</param>
/// <param name="Path">The file that could not be deleted (the dump or its manifest).</param>
/// <param name="Problem">What the file system said.</param>
public sealed record RetentionFailure(BackupEntry Backup, string Path, string Problem);

/// <summary>What a prune kept and deleted (or, on a dry run, would delete).</summary>
/// <param name="BackupDirectory">The real folder pruned (the target when the configured folder is a symlink).</param>
/// <param name="SymlinkedFrom">The configured folder when it is a symlink to <paramref name="BackupDirectory"/>, else null.</param>
/// <param name="DryRun">True when nothing was deleted and <paramref name="Deleted"/> lists what would go.</param>
/// <param name="Kept">Every backup left in place, newest first, each with its reason.</param>
/// <param name="Deleted">Every backup deleted (dump, and its manifest after it), newest first, each with its reason.</param>
/// <param name="Failed">Deletions that failed; the files are still there.</param>
public sealed record RetentionResult(
    string BackupDirectory,
    string? SymlinkedFrom,
    bool DryRun,
    IReadOnlyList<RetentionDecision> Kept,
    IReadOnlyList<RetentionDecision> Deleted,
    IReadOnlyList<RetentionFailure> Failed)
{
    /// <summary>Files named like backups that are not counted as backups (empty, not an archive, dated in the future); never deleted.</summary>
    public IReadOnlyList<RetentionDecision> Ignored { get; init; } = [];

    /// <summary>The newest backup proven to restore, which this prune kept whatever its age; null when there is none.</summary>
    public Catalog.VerifiedBackup? NewestVerified { get; init; }

    /// <summary>Problems that did not stop the prune, e.g. ledger lines that could not be read.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>True when every planned deletion happened.</summary>
    public bool Succeeded => Failed.Count == 0;

    /// <summary>The bytes of the dumps deleted (or that would be deleted); manifests are not counted.</summary>
    public long FreedBytes => Deleted.Sum(d => d.Backup.SizeBytes);
}
