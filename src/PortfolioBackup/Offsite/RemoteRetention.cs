using PortfolioBackup.Catalog;
using PortfolioBackup.Retention;

namespace PortfolioBackup.Offsite;

/// <summary>What a remote prune kept and deleted (or, on a dry run, would delete); the same rules and reasons as the local prune.</summary>
/// <param name="Location">The bucket and prefix pruned.</param>
/// <param name="DryRun">True when nothing was deleted and <paramref name="Deleted"/> lists what would go.</param>
/// <param name="Kept">Every backup left, newest first, each with its reason; <see cref="BackupEntry.Path"/> is the object key.</param>
/// <param name="Deleted">Every backup deleted with its manifest (or that would be), newest first.</param>
/// <param name="Failed">Deletions that failed; the objects are still there.</param>
public sealed record RemoteRetentionResult(
    string Location,
    bool DryRun,
    IReadOnlyList<RetentionDecision> Kept,
    IReadOnlyList<RetentionDecision> Deleted,
    IReadOnlyList<RetentionFailure> Failed)
{
    /// <summary>Objects named like backups that are not counted (foreign by <see cref="BackupRule"/>, dated in the future); never deleted.</summary>
    public IReadOnlyList<RetentionDecision> Ignored { get; init; } = [];

    /// <summary>The newest remote backup with a healthy verdict for its exact bytes, kept whatever its age; null when none.</summary>
    public VerifiedBackup? NewestVerified { get; init; }

    /// <summary>True when every planned deletion happened.</summary>
    public bool Succeeded => Failed.Count == 0;

    /// <summary>The bytes of the dumps deleted (or that would be).</summary>
    public long FreedBytes => Deleted.Sum(d => d.Backup.SizeBytes);
}

/// <summary>Retention for the bucket: the local rules (days, the newest N, never the newest verified, never pre-restore) applied to the remote listing.</summary>
public static class RemoteRetention
{
    /// <summary>What a prune would delete, deleting nothing.</summary>
    public static Task<RemoteRetentionResult> PlanAsync(OffsiteStore store, RetentionOptions options, IReadOnlyList<LedgerEntry> verdicts, CancellationToken cancellationToken = default) =>
        RunAsync(store, options with { DryRun = true }, verdicts, cancellationToken);

    /// <summary>
    /// Deletes the remote backups the rules let go (with their manifests), unless <see cref="RetentionOptions.DryRun"/>;
    /// only keys directly under the prefix that match the backup pattern are ever considered. <paramref name="verdicts"/>
    /// are the local and remote ledger entries together.
    /// </summary>
    public static Task<RemoteRetentionResult> PruneAsync(OffsiteStore store, RetentionOptions options, IReadOnlyList<LedgerEntry> verdicts, CancellationToken cancellationToken = default) =>
        RunAsync(store, options, verdicts, cancellationToken);

    private static async Task<RemoteRetentionResult> RunAsync(OffsiteStore store, RetentionOptions options, IReadOnlyList<LedgerEntry> verdicts, CancellationToken cancellationToken)
    {
        var now = options.Now ?? DateTimeOffset.UtcNow;
        var entries = (await store.ListBackupsAsync(cancellationToken)).Select(b => b.ToEntry()).ToList();

        // The same catalog rule as the folder: an object only named like a backup is never counted, kept as newest or deleted.
        var (keep, delete, ignored, verified) = await RetentionPlan.CreateAsync(entries, new VerdictBook(verdicts, options.Trust), options, now, cancellationToken);

        var failed = new List<RetentionFailure>();
        var deleted = new List<RetentionDecision>();
        foreach (var decision in delete)
        {
            if (options.DryRun)
            {
                deleted.Add(decision);
                continue;
            }

            try
            {
                await store.DeleteBackupAsync(decision.Backup.FileName, cancellationToken);
                deleted.Add(decision);
            }
            catch (OffsiteException ex)
            {
                failed.Add(new RetentionFailure(decision.Backup, decision.Backup.Path, ex.Message));
            }
        }

        return new RemoteRetentionResult(store.Settings.Location, options.DryRun, Newest(keep), Newest(deleted), failed)
        {
            Ignored = ignored,
            NewestVerified = verified,
        };
    }

    private static IReadOnlyList<RetentionDecision> Newest(IEnumerable<RetentionDecision> decisions) =>
        decisions.OrderByDescending(d => d.Backup.TakenAt).ThenBy(d => d.Backup.FileName, StringComparer.Ordinal).ToList();
}
