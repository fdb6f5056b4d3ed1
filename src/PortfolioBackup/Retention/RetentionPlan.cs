using PortfolioBackup.Catalog;

namespace PortfolioBackup.Retention;

/// <summary>What retention does with one backup.</summary>
public enum RetentionOutcome
{
    /// <summary>Kept: at least one rule keeps it (the reason names every one).</summary>
    Keep,

    /// <summary>Deleted by a prune (or, on a dry run or in a listing, would be).</summary>
    Delete,

    /// <summary>Only named like a backup: never counted, never deleted.</summary>
    Ignored,
}

/// <summary>
/// What retention does with a set of backups (a folder's or a bucket's) and why, deleting nothing: the newest verified backup
/// found by the verdicts, then the rules of <see cref="RetentionOptions"/>. Every prune follows this plan, and <c>list</c>
/// shows it, so what a listing says is what a prune does.
/// </summary>
/// <param name="Keep">The backups kept, each with every rule that keeps it.</param>
/// <param name="Delete">The backups a prune deletes, each with why.</param>
/// <param name="Ignored">Files or objects only named like backups, never deleted.</param>
/// <param name="NewestVerified">The newest backup with a trusted healthy verdict on its bytes, kept whatever its age; null when none.</param>
public sealed record RetentionPlan(
    IReadOnlyList<RetentionDecision> Keep,
    IReadOnlyList<RetentionDecision> Delete,
    IReadOnlyList<RetentionDecision> Ignored,
    VerifiedBackup? NewestVerified)
{
    /// <summary>Plans retention for <paramref name="entries"/> at <paramref name="now"/>; throws <see cref="Configuration.ConfigurationException"/> for invalid options.</summary>
    public static async Task<RetentionPlan> CreateAsync(
        IReadOnlyList<BackupEntry> entries, VerdictBook verdicts, RetentionOptions options, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(options);
        Pruner.Validate(options);
        var verified = await verdicts.NewestVerifiedAsync(entries, now, cancellationToken);
        var (keep, delete, ignored) = RetentionPlanner.Plan(entries, options with { VerifiedFile = verified?.Backup.FileName }, now);
        return new RetentionPlan(keep, delete, ignored, verified);
    }

    /// <summary>What the plan does with <paramref name="entry"/> and why, or null when the entry was not among those planned.</summary>
    public (RetentionOutcome Outcome, RetentionDecision Decision)? For(BackupEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        foreach (var (outcome, decisions) in new[] { (RetentionOutcome.Keep, Keep), (RetentionOutcome.Delete, Delete), (RetentionOutcome.Ignored, Ignored) })
        {
            if (decisions.FirstOrDefault(d => d.Backup == entry) is { } decision)
            {
                return (outcome, decision);
            }
        }

        return null;
    }
}
