using System.Security.Cryptography;
using PortfolioBackup.Archive;

namespace PortfolioBackup.Encryption;

/// <summary>Reads an encrypted dump natively while age decrypts it into a pipe: nothing decrypted is ever written out.</summary>
internal static class EncryptedScan
{
    /// <summary>
    /// Decrypts and scans in one pass; returns the scan (with the plaintext's SHA-256 and size) or, when age fails, the
    /// verdict sentence. A non-zero exit of age always wins over a scan that looked complete.
    /// </summary>
    public static async Task<(ArchiveScan? Scan, string? Problem)> ScanAsync(
        string encryptedPath, AgeIdentity identity, IReadOnlyList<string>? recipients, CancellationToken cancellationToken)
    {
        var agePath = AgeTool.Locate();
        ArchiveScan? scan = null;
        var invocation = AgeTool.Decrypt(agePath, encryptedPath, identity) with
        {
            StandardOutputReader = async (stdout, token) =>
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var hashing = new HashingStream(stdout, hash);
                var read = await ArchiveReader.ScanAsync(hashing, encryptedPath, token);

                // A damaged archive stops the scan early; the rest is read so age finishes and the hash covers everything.
                await hashing.CopyToAsync(Stream.Null, ArchiveReader.BufferSize, token);
                scan = read with { SizeBytes = hashing.BytesRead, Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()) };
            },
        };
        var result = await Tools.ToolRunner.RunAsync(invocation, cancellationToken);
        return result.Succeeded && scan is not null ? (scan, null) : (null, AgeTool.DescribeFailure(result, recipients, identity));
    }
}
