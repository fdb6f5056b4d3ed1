using PortfolioBackup.Catalog;
using PortfolioBackup.Retention;

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
        OffsiteUploadResult upload;
        try
        {
            upload = await OffsiteSync.UploadMissingAsync(store, retention.BackupDirectory, cancellationToken);
        }
        catch (OffsiteException ex)
        {
            // The bucket cannot even be listed (down, wrong key, no bucket): after a backup that is a failed upload, not a crash.
            upload = new OffsiteUploadResult(settings.Location, [], [], [new OffsiteUploadFailure(settings.Location, ex.Message)], []);
        }

        if (!upload.Succeeded)
        {
            // A bucket missing a backup is never pruned: the copy that failed may be the only good one soon.
            return new OffsiteJobResult(settings.Describe(), upload, null, []);
        }

        var local = await VerificationLedger.LoadAsync(retention.BackupDirectory, cancellationToken);
        if (local.Unreadable is { } unreadable)
        {
            // The local prune refuses on an unreadable ledger for the same reason: the newest verified backup is unknown.
            return new OffsiteJobResult(settings.Describe(), upload, null, [$"the bucket was not pruned: {unreadable}"]);
        }

        RemoteVerdicts remote;
        try
        {
            remote = await store.ListVerdictsAsync(cancellationToken);
        }
        catch (OffsiteException ex)
        {
            // Without the bucket's verdicts the newest verified backup is unknown, and it must never be the one pruned.
            return new OffsiteJobResult(settings.Describe(), upload, null, [$"the bucket was not pruned: its verdicts could not be read ({ex.Message})"]);
        }

        var verdicts = local.Entries.Concat(remote.Entries).ToList();
        var pruned = await RemoteRetention.PruneAsync(store, retention, verdicts, cancellationToken);
        return new OffsiteJobResult(settings.Describe(), upload, pruned, [.. local.Warnings, .. remote.Warnings]);
    }
}
