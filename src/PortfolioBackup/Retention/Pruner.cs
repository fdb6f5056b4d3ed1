using System.Globalization;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Retention;

/// <summary>Deletes regular backups past their retention from a backup folder, under the folder's lock.</summary>
public static class Pruner
{
    /// <summary>Prunes (or, with <see cref="RetentionOptions.DryRun"/>, plans) the folder; takes the folder's lock for a real prune.</summary>
    public static async Task<RetentionResult> PruneAsync(RetentionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var directory = ResolvedBackupDirectory.Resolve(options.BackupDirectory);
        if (options.DryRun)
        {
            return await RunAsync(options, directory, cancellationToken);
        }

        using var folderLock = AcquireLock(directory.Path);
        return await RunAsync(options, directory, cancellationToken);
    }

    /// <summary>
    /// Prunes a folder whose lock the caller already holds (the backup flow, right after a successful backup); asking for
    /// the lock object proves the caller has it, where a flag could be set by mistake.
    /// </summary>
    internal static Task<RetentionResult> PruneAsync(RetentionOptions options, BackupDirectoryLock heldLock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(heldLock);
        Validate(options);
        return RunAsync(options, ResolvedBackupDirectory.Resolve(options.BackupDirectory), cancellationToken);
    }

    private static BackupDirectoryLock AcquireLock(string directory)
    {
        try
        {
            return BackupDirectoryLock.Acquire(directory, "prune");
        }
        catch (BackupDirectoryLockException ex) when (ex.IsPermissionDenied)
        {
            // Typically cron runs prune as a different user than the one owning the backups.
            throw new BackupDirectoryAccessException(directory, ex);
        }
    }

    internal static void Validate(RetentionOptions options)
    {
        var problems = new List<string>();
        if (options.RetentionDays < 0)
        {
            problems.Add(Invariant($"RETENTION_DAYS={options.RetentionDays} is negative (expected 0 or more days; 0 keeps only the newest MIN_BACKUPS)"));
        }
        else if (options.RetentionDays > RetentionOptions.MaxRetentionDays)
        {
            problems.Add(Invariant($"RETENTION_DAYS={options.RetentionDays} is out of range (expected at most {RetentionOptions.MaxRetentionDays} days, 100 years)"));
        }

        foreach (var (value, variable) in new[] { (options.KeepDaily, "RETENTION_DAILY"), (options.KeepWeekly, "RETENTION_WEEKLY"), (options.KeepMonthly, "RETENTION_MONTHLY") })
        {
            if (value is < 0 or > 100_000)
            {
                problems.Add(Invariant($"{variable}={value} is out of range (expected 0, which turns the rule off, to 100000)"));
            }
        }

        if (options.MinBackups < 1)
        {
            problems.Add(Invariant($"MIN_BACKUPS={options.MinBackups} would let retention delete every backup (expected 1 or more)"));
        }

        if (problems.Count > 0)
        {
            throw new ConfigurationException(problems);
        }
    }

    private static async Task<RetentionResult> RunAsync(RetentionOptions options, ResolvedBackupDirectory directory, CancellationToken cancellationToken)
    {
        var now = options.Now ?? DateTimeOffset.UtcNow;
        var entries = BackupCatalog.List(directory.Path, cancellationToken);

        // The rule lives here, not in a caller: whoever prunes, the newest backup proven to restore survives.
        var ledger = await VerificationLedger.LoadAsync(directory.Path, cancellationToken);
        if (ledger.Unreadable is { } unreadable && !options.DryRun)
        {
            throw RetentionRefusedException.LedgerUnreadable(unreadable);
        }

        var warnings = new List<string>(ledger.Warnings);
        var bucket = options.BucketVerdicts;
        if (!options.DryRun && bucket.Entries.Count > 0)
        {
            // Copied into the ledger, the bucket's verdicts on these backups still protect them on a night the bucket is down.
            var names = entries.Select(e => e.FileName).ToHashSet(StringComparer.Ordinal);
            var (_, unwritten) = await VerificationLedger.RecordAsync(directory.Path, bucket.Entries.Where(v => names.Contains(v.File)), ledger.Entries, cancellationToken);
            if (unwritten is not null)
            {
                warnings.Add(unwritten);
            }
        }

        var (keep, delete, ignored, verified) = await RetentionPlan.CreateAsync(
            entries, new VerdictBook([.. ledger.Entries, .. bucket.Entries], options.Trust), options, now, cancellationToken);
        if (bucket.Unavailable is { } problem && Unsettled(delete, verified) is { } unsettled)
        {
            var refusal = RetentionRefusedException.BucketUnavailable(problem, unsettled);
            if (!options.DryRun)
            {
                throw refusal;
            }

            warnings.Add("a real prune would delete nothing now: " + refusal.Message);
        }

        var symlinkedFrom = directory.IsSymlink ? directory.Requested : null;
        if (options.DryRun)
        {
            return new RetentionResult(directory.Path, symlinkedFrom, DryRun: true, keep, delete, [])
            {
                Ignored = ignored,
                NewestVerified = verified,
                Warnings = warnings,
            };
        }

        var deleted = new List<RetentionDecision>();
        var failed = new List<RetentionFailure>();
        foreach (var decision in delete)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryDelete(decision.Backup, failed))
            {
                deleted.Add(decision);
            }
        }

        return new RetentionResult(directory.Path, symlinkedFrom, DryRun: false, keep, deleted, failed)
        {
            Ignored = ignored,
            NewestVerified = verified,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// Which planned deletion an unread verdict could make wrong: verdicts can only prove a backup newer than the newest one
    /// the ledger already proves the newest verified, so deleting older ones is safe whatever the bucket says.
    /// </summary>
    internal static string? Unsettled(IReadOnlyList<RetentionDecision> delete, VerifiedBackup? verified)
    {
        var risky = delete.Where(d => verified is null || d.Backup.TakenAt > verified.Backup.TakenAt).Select(d => d.Backup.FileName).ToList();
        if (risky.Count == 0)
        {
            return null;
        }

        var known = verified is null ? "no backup is verified in the local ledger" : $"the newest verified here is {verified.Backup.FileName}";
        return $"{known}, and the prune would delete {string.Join(", ", risky)}, which a verdict in the bucket may prove the newest verified";
    }

    private static bool TryDelete(BackupEntry backup, List<RetentionFailure> failed)
    {
        // Checked again right before deleting: the file may have been replaced by a link since the listing.
        var dump = new FileInfo(backup.Path);
        if (dump.LinkTarget is not null || !dump.Exists || NativeFile.KindOf(backup.Path) != FileKind.Regular)
        {
            failed.Add(new RetentionFailure(backup, backup.Path, "changed since it was listed (now a symlink or gone); left alone"));
            return false;
        }

        try
        {
            dump.Delete();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failed.Add(new RetentionFailure(backup, backup.Path, ex.Message));
            return false;
        }

        // The manifest goes only after its dump: a failure in between leaves an orphan manifest, never a dump without one.
        var manifest = new FileInfo(backup.ManifestPath);
        if (manifest.LinkTarget is null && manifest.Exists)
        {
            try
            {
                manifest.Delete();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failed.Add(new RetentionFailure(backup, manifest.FullName, ex.Message));
            }
        }

        return true;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
