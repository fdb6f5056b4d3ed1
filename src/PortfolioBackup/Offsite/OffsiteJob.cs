using PortfolioBackup.Retention;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Offsite;

/// <summary>What one offsite run did: the upload, and the bucket's retention when every upload succeeded.</summary>
/// <param name="Location">The bucket and prefix, as shown to people.</param>
/// <param name="Upload">Which files were uploaded, already there, or failed.</param>
/// <param name="Retention">The bucket's prune; null when it did not run because an upload failed.</param>
/// <param name="Warnings">Verdicts that could not be read, and the like.</param>
public sealed record OffsiteJobResult(string Location, OffsiteUploadResult Upload, RemoteRetentionResult? Retention, IReadOnlyList<string> Warnings)
{
    /// <summary>True when everything is in the bucket and every planned remote deletion happened.</summary>
    public bool Succeeded => Upload.Succeeded && (Retention?.Succeeded ?? false);
}

/// <summary>Upload what the bucket lacks, then prune the bucket by the local rules: the one offsite sequence backup and upload share.</summary>
public static class OffsiteJob
{
    /// <summary>
    /// Uploads every local backup (dump first, manifest last) missing or different in the bucket; only when all of them are
    /// there does remote retention run, protecting the newest backup verified anywhere (local ledger or bucket verdicts).
    /// </summary>
    public static async Task<OffsiteJobResult> RunAsync(OffsiteSettings settings, RetentionOptions retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(retention);
        using var store = OffsiteStore.Open(settings);
        var upload = await OffsiteSync.UploadMissingAsync(store, retention.BackupDirectory, cancellationToken);
        if (!upload.Succeeded)
        {
            // A bucket missing a backup is never pruned: the copy that failed may be the only good one soon.
            return new OffsiteJobResult(settings.Describe(), upload, null, []);
        }

        var local = await VerificationLedger.LoadAsync(retention.BackupDirectory, cancellationToken);
        var remote = await store.ListVerdictsAsync(cancellationToken);
        var verdicts = local.Entries.Concat(remote.Entries).ToList();
        var pruned = await RemoteRetention.PruneAsync(store, retention, verdicts, cancellationToken);
        return new OffsiteJobResult(settings.Describe(), upload, pruned, [.. local.Warnings, .. remote.Warnings]);
    }
}
