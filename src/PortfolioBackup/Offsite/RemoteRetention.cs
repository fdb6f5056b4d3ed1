using PortfolioBackup.Retention;
using PortfolioBackup.Verification;

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
    /// <summary>Objects named like backups that are not counted (empty, dated in the future); never deleted.</summary>
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
        var remote = await store.ListBackupsAsync(cancellationToken);
        var entries = remote.Select(ToEntry).ToList();
        var verified = NewestVerified(remote, entries, verdicts, now);
        var protectedFiles = verified is null ? options.ProtectedFiles : new HashSet<string>(options.ProtectedFiles.Append(verified.Backup.FileName), StringComparer.Ordinal);
        var (keep, delete, ignored) = RetentionPlanner.Plan(entries, options with { ProtectedFiles = protectedFiles }, now);

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

    private static BackupEntry ToEntry(RemoteBackup backup) =>
        new(backup.Key, backup.Name, backup.TakenAt, backup.SizeBytes, backup.HasManifest, IsSymlink: false, backup.Kind)
        {
            ContentProblem = backup.SizeBytes == 0 ? "empty object" : null,
        };

    private static VerifiedBackup? NewestVerified(IReadOnlyList<RemoteBackup> remote, IReadOnlyList<BackupEntry> entries, IReadOnlyList<LedgerEntry> verdicts, DateTimeOffset now)
    {
        // As locally: backups newest first, and a verdict proves a backup only for the bytes it saw (same SHA-256).
        var healthy = verdicts.Where(v => v.Healthy && v.Sha256 is not null).ToList();
        foreach (var (backup, entry) in remote.Zip(entries).Where(p => p.Second.IgnoredReasonAt(now) is null).OrderByDescending(p => p.First.TakenAt))
        {
            var match = healthy
                .Where(v => v.File == backup.Name && string.Equals(v.Sha256, backup.Sha256, StringComparison.OrdinalIgnoreCase))
                .MaxBy(v => v.VerifiedAt);
            if (match is not null)
            {
                return new VerifiedBackup(entry, match);
            }
        }

        return null;
    }

    private static IReadOnlyList<RetentionDecision> Newest(IEnumerable<RetentionDecision> decisions) =>
        decisions.OrderByDescending(d => d.Backup.TakenAt).ThenBy(d => d.Backup.FileName, StringComparer.Ordinal).ToList();
}
