using PortfolioBackup.Backup;
using PortfolioBackup.Retention;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Offsite;

/// <summary>Dumps downloaded from the bucket into a private folder for one verification; disposing removes them.</summary>
public sealed class DownloadedDumps : IDisposable
{
    private readonly PrivateFolder _folder;

    internal DownloadedDumps(PrivateFolder folder, IReadOnlyList<string> paths, IReadOnlyList<DumpVerdict> damaged, IReadOnlyList<string> notes)
    {
        _folder = folder;
        Paths = paths;
        Damaged = damaged;
        Notes = notes;
    }

    /// <summary>The private (0700) folder holding the downloads; it stands in for the backup folder.</summary>
    public string Directory => _folder.Path;

    /// <summary>The downloaded dumps, oldest first (manifests beside them).</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Unhealthy verdicts on copies the bucket returned damaged (bytes not matching their recorded MD5 or SHA-256).</summary>
    public IReadOnlyList<DumpVerdict> Damaged { get; }

    /// <summary>What was chosen and why, for the report.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Removes every downloaded file.</summary>
    public void Dispose() => _folder.Dispose();
}

/// <summary>The bucket side of <c>verify --from s3://…</c>: choose and download dumps, then write each verdict back.</summary>
public static class RemoteDumps
{
    /// <summary>
    /// Downloads the regular backups to verify (all, the newest, or one shard by name) with their manifests into a new
    /// private folder; a name dated in the future is never "the newest".
    /// </summary>
    public static async Task<DownloadedDumps> DownloadAsync(OffsiteStore store, bool latest, DumpShard? shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var now = DateTimeOffset.UtcNow;
        var listed = await store.ListBackupsAsync(cancellationToken);
        var notes = new List<string>();
        var regular = listed.Where(b => b.Name.StartsWith(BackupFileName.BackupPrefix, StringComparison.Ordinal)).ToList();
        var future = regular.Where(b => b.TakenAt > now + BackupEntry.ClockSkewAllowance).ToList();
        if (future.Count > 0)
        {
            notes.Add($"ignored {future.Count} backup(s) in the bucket dated in the future: {string.Join(", ", future.Select(b => b.Name))}");
        }

        var candidates = regular.Except(future).OrderBy(b => b.TakenAt).ThenBy(b => b.Name, StringComparer.Ordinal).ToList();
        var chosen = latest ? candidates.TakeLast(1).ToList() : candidates;
        if (shard is not null)
        {
            var names = shard.Select(chosen.Select(b => b.Name)).ToHashSet(StringComparer.Ordinal);
            notes.Add($"shard {shard}: {names.Count} of {chosen.Count} dump(s)");
            chosen = chosen.Where(b => names.Contains(b.Name)).ToList();
        }

        var folder = await PrivateFolder.CreateAsync(Path.GetTempPath(), PrivateFolder.DownloadPrefix, cancellationToken);
        try
        {
            var paths = new List<string>();
            var damaged = new List<DumpVerdict>();
            foreach (var backup in chosen)
            {
                var path = folder.FileFor(backup.Name);
                try
                {
                    await store.DownloadAsync(backup.Name, path, cancellationToken);
                }
                catch (OffsiteException ex) when (ex.Failure == OffsiteFailure.Mismatch)
                {
                    // A damaged copy is a verdict on that copy; the other backups are still verified.
                    damaged.Add(DamagedVerdict(path, backup, ex.Message));
                    continue;
                }

                if (backup.HasManifest)
                {
                    await store.DownloadAsync(BackupFileName.ManifestPathFor(backup.Name), BackupFileName.ManifestPathFor(path), cancellationToken);
                }
                else
                {
                    notes.Add($"{backup.Name} has no manifest in the bucket: its counts come from the dump itself");
                }

                paths.Add(path);
            }

            return new DownloadedDumps(folder, paths, damaged, notes);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    private static DumpVerdict DamagedVerdict(string path, RemoteBackup backup, string problem) => new()
    {
        File = path,
        Engine = "bucket",
        ServerVersion = "none (not restored)",
        Checks = [new CheckResult("download", CheckStatus.Fail, problem)],
        Sha256 = backup.Sha256,
        Tier = "download",
    };

    /// <summary>
    /// Writes one verdict object per verified dump to the bucket; returns how many were written and a note per verdict that
    /// was not. Without an identity an encrypted dump was not judged at all (the verifier lacked its key), so its verdict
    /// stays local: in the bucket it would mark a good backup unhealthy.
    /// </summary>
    public static async Task<(int Written, IReadOnlyList<string> Notes)> PublishAsync(
        OffsiteStore store, VerificationReport report, bool hasIdentity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(report);
        var warnings = new List<string>();
        var written = 0;
        foreach (var verdict in report.Dumps)
        {
            if (!hasIdentity && BackupFileName.IsEncrypted(verdict.File) && !verdict.Healthy)
            {
                warnings.Add($"the verdict on {Path.GetFileName(verdict.File)} was not written to the bucket: no AGE_IDENTITY was given, so the backup was not judged");
                continue;
            }

            try
            {
                await store.PutVerdictAsync(DumpVerifier.LedgerEntryOf(verdict), cancellationToken);
                written++;
            }
            catch (OffsiteException ex)
            {
                warnings.Add($"the verdict on {Path.GetFileName(verdict.File)} was not written to the bucket: {ex.Message}");
            }
        }

        return (written, warnings);
    }
}
