using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Offsite;

/// <summary>Brings the bucket up to date with a local backup folder: whatever is missing or different there is uploaded.</summary>
public static class OffsiteSync
{
    /// <summary>
    /// Uploads every local regular backup that is missing in the bucket or differs (size or SHA-256), then its manifest,
    /// newest first; a manifest in the bucket therefore means its dump arrived intact. One file failing does not stop
    /// the others; the result names each failure. Throws <see cref="OffsiteException"/> only when the bucket cannot be listed.
    /// </summary>
    public static async Task<OffsiteUploadResult> UploadMissingAsync(OffsiteStore store, string backupDirectory, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var local = await BackupCatalog.ListAsync(backupDirectory, cancellationToken);
        var remote = (await store.ListBackupsAsync(cancellationToken)).ToDictionary(b => b.Name, StringComparer.Ordinal);

        var uploaded = new List<OffsiteFile>();
        var present = new List<OffsiteFile>();
        var failed = new List<OffsiteUploadFailure>();
        var skipped = new List<OffsiteUploadSkip>();
        foreach (var backup in local.OrderByDescending(b => b.TakenAt))
        {
            var skip = backup.Kind != BackupKind.Regular ? "pre-restore safety backup, kept local"
                : backup.IsSymlink ? "symlink, not followed"
                : backup.IgnoredReasonAt(now);
            if (skip is not null)
            {
                skipped.Add(new OffsiteUploadSkip(backup.FileName, skip));
                continue;
            }

            try
            {
                var dump = new OffsiteFile(backup.FileName, backup.SizeBytes, await Sha256Async(backup, cancellationToken));
                remote.TryGetValue(backup.FileName, out var there);
                var dumpThere = there is not null && there.SizeBytes == dump.SizeBytes && there.Sha256 == dump.Sha256;
                if (dumpThere)
                {
                    present.Add(dump);
                }
                else
                {
                    await store.UploadFileAsync(backup.Path, dump.Name, dump.Sha256, cancellationToken);
                    uploaded.Add(dump);
                }

                if (File.Exists(backup.ManifestPath))
                {
                    var manifestName = Path.GetFileName(backup.ManifestPath);
                    var manifest = new OffsiteFile(manifestName, new FileInfo(backup.ManifestPath).Length, await FileHash.Sha256Async(backup.ManifestPath, cancellationToken));
                    var manifestThere = dumpThere && await store.StatAsync(manifestName, cancellationToken) is { } m && m.SizeBytes == manifest.SizeBytes && m.Sha256 == manifest.Sha256;
                    if (manifestThere)
                    {
                        present.Add(manifest);
                    }
                    else
                    {
                        await store.UploadFileAsync(backup.ManifestPath, manifestName, manifest.Sha256, cancellationToken);
                        uploaded.Add(manifest);
                    }
                }
            }
            catch (Exception ex) when (ex is OffsiteException or IOException or UnauthorizedAccessException or InvalidManifestException)
            {
                failed.Add(new OffsiteUploadFailure(backup.FileName, ex.Message));
            }
        }

        return new OffsiteUploadResult(store.Settings.Location, uploaded, present, failed, skipped);
    }

    private static async Task<string> Sha256Async(BackupEntry backup, CancellationToken cancellationToken)
    {
        // The manifest's hash saves reading the dump twice; it only describes this file if the sizes agree.
        var manifest = await BackupManifest.ReadForDumpAsync(backup.Path, cancellationToken);
        return manifest is not null && manifest.SizeBytes == backup.SizeBytes && !string.IsNullOrEmpty(manifest.Sha256)
            ? manifest.Sha256.ToLowerInvariant()
            : await FileHash.Sha256Async(backup.Path, cancellationToken);
    }
}
