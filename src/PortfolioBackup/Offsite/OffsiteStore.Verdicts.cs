using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Amazon.S3.Model;
using PortfolioBackup.Catalog;

namespace PortfolioBackup.Offsite;

/// <summary>The verdicts read back from the bucket: every readable one, and a warning per object skipped.</summary>
/// <param name="Entries">Every verdict that parses, oldest first.</param>
/// <param name="Warnings">One line per object skipped (too large, not a verdict, gone while listed).</param>
public sealed record RemoteVerdicts(IReadOnlyList<LedgerEntry> Entries, IReadOnlyList<string> Warnings);

public sealed partial class OffsiteStore
{
    /// <summary>The folder, under the prefix, that holds one object per verification.</summary>
    public const string VerdictFolder = "verifications";

    private const int VerdictReadsAtOnce = 16;

    // The same shape as the ledger's lines, so one reader understands both.

    /// <summary>
    /// Stores one verdict as a new object <c>verifications/&lt;dump&gt;.&lt;time&gt;.&lt;random&gt;.json</c>; never a
    /// read-modify-write, so two runs writing at once both keep their verdicts. Returns the object's key.
    /// </summary>
    public async Task<string> PutVerdictAsync(LedgerEntry entry, CancellationToken cancellationToken = default)
    {
        if (entry.File.Length == 0 || entry.File.Contains('/', StringComparison.Ordinal) || entry.File.Any(char.IsControl))
        {
            throw new OffsiteException(OffsiteFailure.Refused, $"refusing to store a verdict for '{entry.File}': not a file name");
        }

        var stamp = entry.VerifiedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var key = $"{Settings.ListPrefix}{VerdictFolder}/{entry.File}.{stamp}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.json";
        var body = VerificationLedger.Serialize(entry);
        using var stream = new MemoryStream(body, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = Settings.Bucket,
            Key = key,
            InputStream = stream,
            MD5Digest = Convert.ToBase64String(MD5.HashData(body)),
            ContentType = "application/json",
            UseChunkEncoding = false,
        };
        await CallAsync($"storing the verdict {key} in", () => _client.PutObjectAsync(request, cancellationToken), cancellationToken);
        return key;
    }

    /// <summary>Every verdict in the bucket, oldest first; an object too large or not a verdict is skipped with a warning, never thrown.</summary>
    public async Task<RemoteVerdicts> ListVerdictsAsync(CancellationToken cancellationToken = default)
    {
        var listed = (await ListDirectAsync($"{Settings.ListPrefix}{VerdictFolder}/", cancellationToken))
            .Where(o => o.Name.EndsWith(".json", StringComparison.Ordinal))
            .ToList();
        var results = new (LedgerEntry? Entry, string? Warning)[listed.Count];

        // One small GET per verdict, and they accumulate night after night: one at a time, a remote bucket's round trips
        // add up to minutes for a status check.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = VerdictReadsAtOnce, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, listed.Count), parallel, async (i, token) => results[i] = await ReadVerdictAsync(listed[i].Key, listed[i].Size, token));

        var entries = results.Where(r => r.Entry is not null).Select(r => r.Entry!).OrderBy(e => e.VerifiedAt).ToList();
        var warnings = results.Where(r => r.Warning is not null).Select(r => r.Warning!).ToList();
        return new RemoteVerdicts(entries, warnings);
    }

    /// <summary>
    /// Deletes the verdicts on one backup, which nothing reads once it is gone; only keys of exactly the shape
    /// <see cref="PutVerdictAsync"/> writes for that name (so backup_X.dump never takes backup_X.dump.age's).
    /// </summary>
    private async Task DeleteVerdictsOfAsync(string name, CancellationToken cancellationToken)
    {
        var folder = $"{Settings.ListPrefix}{VerdictFolder}/";
        var own = new Regex($@"^{Regex.Escape(name)}\.\d{{8}}T\d{{9}}Z\.[0-9a-f]{{12}}\.json\z", RegexOptions.CultureInvariant);
        foreach (var (verdict, key, _) in await ListDirectAsync(folder, cancellationToken, $"{folder}{name}."))
        {
            if (own.IsMatch(verdict))
            {
                await CallAsync($"deleting {key} from", () => _client.DeleteObjectAsync(Settings.Bucket, key, cancellationToken), cancellationToken);
            }
        }
    }

    private async Task<(LedgerEntry? Entry, string? Warning)> ReadVerdictAsync(string key, long size, CancellationToken cancellationToken)
    {
        if (size > Options.MaxVerdictBytes)
        {
            return (null, $"skipped {key} in {Settings.Location}: {size} bytes, more than a verdict's {Options.MaxVerdictBytes}");
        }

        try
        {
            var body = await CallAsync($"reading {key} in", () => ReadBoundedAsync(key, Options.MaxVerdictBytes, cancellationToken), cancellationToken);
            return body is null ? (null, $"skipped {key} in {Settings.Location}: larger than {Options.MaxVerdictBytes} bytes")
                : VerificationLedger.ParseEntry(body) is { } entry ? (entry, null)
                : (null, $"skipped {key} in {Settings.Location}: not a verification entry");
        }
        catch (OffsiteException ex) when (ex.InnerException is Amazon.S3.AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.NotFound })
        {
            return (null, $"skipped {key} in {Settings.Location}: gone since it was listed");
        }
    }

    /// <summary>
    /// A manifest object read back (at most <see cref="Catalog.BackupCatalog.MaxManifestBytes"/>): the manifest, or why it is
    /// not one; never throws for what the object holds, only for a bucket that cannot be read.
    /// </summary>
    private async Task<(Backup.BackupManifest? Manifest, string? Problem)> ReadManifestAsync(string name, long size, CancellationToken cancellationToken)
    {
        var key = Settings.KeyFor(name);
        if (size > Catalog.BackupCatalog.MaxManifestBytes)
        {
            return (null, $"{size} bytes, more than a manifest's {Catalog.BackupCatalog.MaxManifestBytes}");
        }

        using var deadline = MetadataDeadline(cancellationToken);
        try
        {
            var body = await CallAsync($"reading {key} in", () => ReadBoundedAsync(key, Catalog.BackupCatalog.MaxManifestBytes, deadline.Token), cancellationToken);
            return body is null ? (null, $"larger than {Catalog.BackupCatalog.MaxManifestBytes} bytes") : Catalog.BackupCatalog.ParseManifest(body, key);
        }
        catch (OffsiteException ex) when (ex.InnerException is Amazon.S3.AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.NotFound })
        {
            return (null, "gone since it was listed");
        }
    }

    private async Task<byte[]?> ReadBoundedAsync(string key, int maxBytes, CancellationToken cancellationToken)
    {
        using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Settings.Bucket, Key = key }, cancellationToken);

        // The listing's size is what the service said a moment ago; the body itself is bounded too.
        var buffer = new byte[maxBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await response.ResponseStream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return total > maxBytes ? null : buffer[..total];
    }
}
