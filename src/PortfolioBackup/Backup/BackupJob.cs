using PortfolioBackup.Retention;

namespace PortfolioBackup.Backup;

/// <summary>A backup job: the backup, its optional verification and the prune, all under the folder's one lock.</summary>
public sealed record BackupJobOptions
{
    /// <summary>The backup to take (settings, clock, progress); the settings' retention applies to the prune.</summary>
    public required BackupOptions Backup { get; init; }

    /// <summary>
    /// Checks the new dump (its path) before anything is pruned and returns whether it is healthy; null skips verification.
    /// It runs while the lock is held, so it must not take the folder's lock itself.
    /// </summary>
    public Func<string, CancellationToken, Task<bool>>? Verify { get; init; }

    /// <summary>Whether retention runs after a backup that succeeded (and, when asked, verified healthy).</summary>
    public bool Prune { get; init; } = true;

    /// <summary>The bucket's verdicts, which retention counts like the folder's own ledger (see <see cref="RetentionOptions.BucketVerdicts"/>).</summary>
    public Catalog.BucketVerdictsRead BucketVerdicts { get; init; } = Catalog.BucketVerdictsRead.None;

    /// <summary>Which verdicts retention believes (VERDICT_TRUSTED_KEYS).</summary>
    public Catalog.VerdictTrust Trust { get; init; } = Catalog.VerdictTrust.Anyone;
}

/// <summary>What a backup job did.</summary>
/// <param name="Backup">The backup written.</param>
/// <param name="Verified">The verification's answer, or null when none was asked for.</param>
/// <param name="Retention">What the prune kept and deleted; null when it did not run (not asked, the new dump failed verification, or it refused).</param>
public sealed record BackupJobResult(BackupResult Backup, bool? Verified, RetentionResult? Retention)
{
    /// <summary>Why the prune deleted nothing although asked to run (the newest verified backup could not be known), or null.</summary>
    public string? RetentionRefused { get; init; }

    /// <summary>True when the backup was written, passed any verification asked for, and every planned deletion happened.</summary>
    public bool Succeeded => Verified != false && RetentionRefused is null && (Retention?.Succeeded ?? true);
}

/// <summary>Runs lock → backup → optional verification → prune → unlock, so no other run can prune or back up in between.</summary>
public static class BackupJob
{
    /// <summary>Runs the job; a failed verification skips the prune (an unreadable new backup must never cost older good ones).</summary>
    public static Task<BackupJobResult> RunAsync(BackupJobOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Backup.Settings;
        var retention = settings.Retention() with { BucketVerdicts = options.BucketVerdicts, Trust = options.Trust };

        // Checked before the dump is written: a retention that cannot be applied must not surface after a long backup.
        Pruner.Validate(retention);
        return BackupRunner.RunAsync(
            options.Backup,
            async (backup, heldLock, token) =>
            {
                bool? verified = options.Verify is null ? null : await options.Verify(backup.DumpPath, token);
                if (verified == false || !options.Prune)
                {
                    return new BackupJobResult(backup, verified, null);
                }

                var now = options.Backup.Clock.GetUtcNow();
                try
                {
                    var pruned = await Pruner.PruneAsync(retention with { Now = now }, heldLock, token);
                    return new BackupJobResult(backup, verified, pruned);
                }
                catch (RetentionRefusedException ex)
                {
                    // The backup is written and stays; only the deletions wait for a run that knows which backup to protect.
                    return new BackupJobResult(backup, verified, null) { RetentionRefused = ex.Message };
                }
            },
            cancellationToken);
    }
}
