using System.Globalization;
using System.Security.Cryptography;
using Amazon.S3.Model;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Offsite;

/// <summary>The verdicts read back from the bucket: every readable one, and a warning per object skipped.</summary>
/// <param name="Entries">Every verdict that parses, oldest first.</param>
/// <param name="Warnings">One line per object skipped (too large, not a verdict, gone while listed).</param>
public sealed record RemoteVerdicts(IReadOnlyList<LedgerEntry> Entries, IReadOnlyList<string> Warnings);

public sealed partial class OffsiteStore
{
    /// <summary>The folder, under the prefix, that holds one object per verification.</summary>
    public const string VerdictFolder = "verifications";

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
        var entries = new List<LedgerEntry>();
        var warnings = new List<string>();
        foreach (var (name, key, size) in await ListDirectAsync($"{Settings.ListPrefix}{VerdictFolder}/", cancellationToken))
        {
            if (!name.EndsWith(".json", StringComparison.Ordinal))
            {
                continue;
            }

            if (size > Options.MaxVerdictBytes)
            {
                warnings.Add($"skipped {key} in {Settings.Location}: {size} bytes, more than a verdict's {Options.MaxVerdictBytes}");
                continue;
            }

            try
            {
                var body = await CallAsync($"reading {key} in", () => ReadBoundedAsync(key, cancellationToken), cancellationToken);
                if (body is null)
                {
                    warnings.Add($"skipped {key} in {Settings.Location}: larger than {Options.MaxVerdictBytes} bytes");
                }
                else if (VerificationLedger.ParseEntry(body) is { } entry)
                {
                    entries.Add(entry);
                }
                else
                {
                    warnings.Add($"skipped {key} in {Settings.Location}: not a verification entry");
                }
            }
            catch (OffsiteException ex) when (ex.InnerException is Amazon.S3.AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.NotFound })
            {
                warnings.Add($"skipped {key} in {Settings.Location}: gone since it was listed");
            }
        }

        return new RemoteVerdicts(entries.OrderBy(e => e.VerifiedAt).ToList(), warnings);
    }

    private async Task<byte[]?> ReadBoundedAsync(string key, CancellationToken cancellationToken)
    {
        using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Settings.Bucket, Key = key }, cancellationToken);

        // The listing's size is what the service said a moment ago; the body itself is bounded too.
        var buffer = new byte[Options.MaxVerdictBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await response.ResponseStream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return total > Options.MaxVerdictBytes ? null : buffer[..total];
    }
}
