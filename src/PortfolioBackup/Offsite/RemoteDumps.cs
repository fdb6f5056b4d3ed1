using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Offsite;

/// <summary>Dumps downloaded from the bucket for one verification; disposing removes them.</summary>
public sealed class DownloadedDumps : IDisposable
{
    private readonly PrivateFolder _folder;

    internal DownloadedDumps(PrivateFolder folder, IReadOnlyList<string> paths, IReadOnlyList<DumpVerdict> damaged, IReadOnlyList<DumpVerdict> unreached, IReadOnlyList<string> notes)
    {
        _folder = folder;
        Paths = paths;
        Damaged = damaged;
        Unreached = unreached;
        Notes = notes;
    }

    /// <summary>The private (0700) folder holding the downloads; it stands in for the backup folder.</summary>
    public string Directory => _folder.Path;

    /// <summary>The downloaded dumps, oldest first (manifests beside them).</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Unhealthy verdicts on copies the bucket returned damaged (bytes not matching their recorded MD5 or SHA-256): verdicts on the bucket's copy.</summary>
    public IReadOnlyList<DumpVerdict> Damaged { get; }

    /// <summary>
    /// Failed verdicts on backups whose download kept breaking off (resets, a cut connection): the backup was not judged, so
    /// these stay in this run's report and exit code and are never written to the bucket.
    /// </summary>
    public IReadOnlyList<DumpVerdict> Unreached { get; }

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
    /// private folder. The bucket's catalog chooses them (<see cref="BackupRule"/>): an object only named like a backup, or
    /// dated in the future, is listed in the notes and never downloaded. One download that keeps failing does not stop the
    /// others.
    /// </summary>
    public static async Task<DownloadedDumps> DownloadAsync(OffsiteStore store, bool latest, DumpShard? shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var now = DateTimeOffset.UtcNow;
        var listed = await store.ListBackupsAsync(cancellationToken);
        var notes = new List<string>();
        var regular = listed.Select(b => (Remote: b, Entry: b.ToEntry())).Where(b => b.Entry.Kind == BackupKind.Regular).ToList();
        var foreign = regular.Where(b => !b.Entry.CountsAt(now)).ToList();
        if (foreign.Count > 0)
        {
            notes.Add($"ignored {foreign.Count} object(s) in the bucket named like backups that do not count as one: " +
                      string.Join("; ", foreign.Select(b => $"{b.Entry.FileName} ({b.Entry.IgnoredReasonAt(now)})")));
        }

        var candidates = regular.Except(foreign).OrderBy(b => b.Entry.TakenAt).ThenBy(b => b.Entry.FileName, StringComparer.Ordinal).ToList();
        var newest = BackupCatalog.Newest(candidates.Select(c => c.Entry), now);
        var chosen = latest ? candidates.Where(c => c.Entry == newest).ToList() : candidates;
        if (shard is not null)
        {
            var names = shard.Select(chosen.Select(b => b.Entry.FileName)).ToHashSet(StringComparer.Ordinal);
            notes.Add($"shard {shard}: {names.Count} of {chosen.Count} dump(s)");
            chosen = chosen.Where(b => names.Contains(b.Entry.FileName)).ToList();
        }

        var folder = await PrivateFolder.CreateAsync(Path.GetTempPath(), PrivateFolder.DownloadPrefix, cancellationToken);
        try
        {
            var paths = new List<string>();
            var damaged = new List<DumpVerdict>();
            var unreached = new List<DumpVerdict>();
            foreach (var (backup, _) in chosen)
            {
                var path = folder.FileFor(backup.Name);
                try
                {
                    await DownloadWithRetriesAsync(store, backup.Name, path, cancellationToken);
                    await DownloadWithRetriesAsync(store, backup.ManifestName, BackupFileName.ManifestPathFor(path), cancellationToken);
                }
                catch (OffsiteException ex) when (ex.Failure == OffsiteFailure.Mismatch)
                {
                    // A damaged copy is a verdict on that copy; the other backups are still verified.
                    File.Delete(path);
                    damaged.Add(DownloadVerdict(path, backup, ex.Message));
                    continue;
                }
                catch (OffsiteException ex) when (ex.Failure == OffsiteFailure.Unreachable)
                {
                    File.Delete(path);
                    unreached.Add(DownloadVerdict(path, backup, $"could not be downloaded ({store.Options.DownloadAttempts} attempts), so it was not judged: {ex.Message}"));
                    continue;
                }

                paths.Add(path);
            }

            return new DownloadedDumps(folder, paths, damaged, unreached, notes);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    private static async Task DownloadWithRetriesAsync(OffsiteStore store, string name, string path, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.DownloadAsync(name, path, cancellationToken);
                return;
            }
            catch (OffsiteException ex) when (ex.Failure == OffsiteFailure.Unreachable && attempt < store.Options.DownloadAttempts)
            {
                // A connection cut midway: the partial file is gone, the next attempt starts over.
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
        }
    }

    private static DumpVerdict DownloadVerdict(string path, RemoteBackup backup, string problem) => new()
    {
        File = path,
        Engine = "bucket",
        ServerVersion = "none (not restored)",
        Checks = [new CheckResult("download", CheckStatus.Fail, problem)],
        Sha256 = backup.Sha256,
        Tier = "download",
    };

    /// <summary>
    /// Writes one verdict object per verified dump to the bucket, signed when a <paramref name="signer"/> is given; returns how
    /// many were written and a note per verdict that was not. An encrypted dump the verifier had no key for was not judged at
    /// all (<see cref="DumpVerdict.LackedKey"/>), so its verdict stays local: in the bucket it would mark a good backup unhealthy.
    /// </summary>
    public static async Task<(int Written, IReadOnlyList<string> Notes)> PublishAsync(
        OffsiteStore store, IReadOnlyList<DumpVerdict> verdicts, VerdictSigner? signer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(verdicts);
        var warnings = new List<string>();
        var written = 0;
        foreach (var verdict in verdicts)
        {
            if (verdict.LackedKey)
            {
                warnings.Add($"the verdict on {Path.GetFileName(verdict.File)} was not written to the bucket: no AGE_IDENTITY was given, so the backup was not judged");
                continue;
            }

            try
            {
                var entry = DumpVerifier.LedgerEntryOf(verdict);
                await store.PutVerdictAsync(signer?.Sign(entry) ?? entry, cancellationToken);
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
