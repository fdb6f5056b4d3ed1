using PortfolioBackup.Archive;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Encryption;

/// <summary>What reading an encrypted dump gave: the scan of its plaintext, or why it could not be read.</summary>
/// <param name="Scan">The native read of the decrypted archive (size and SHA-256 are the plaintext's), or null.</param>
/// <param name="Problem">Why it could not be decrypted ("encrypted for age1…; the identity given does not match"), or null.</param>
/// <param name="Recipients">The recipients its manifest names, or null without a manifest (the age header does not name them).</param>
public sealed record EncryptedDumpScan(ArchiveScan? Scan, string? Problem, IReadOnlyList<string>? Recipients);

/// <summary>Reading age-encrypted dumps (<c>….dump.age</c>) without ever writing them out decrypted.</summary>
public static class EncryptedDump
{
    /// <summary>Whether the file is a regular file starting with the age header (<c>age-encryption.org/v1</c>).</summary>
    public static bool IsEncrypted(string path) => AgeTool.IsEncrypted(path);

    /// <summary>
    /// Streams the dump through <c>age -d</c> into the native reader; a missing or wrong identity or a damaged file is a
    /// <see cref="EncryptedDumpScan.Problem"/>, not an exception.
    /// </summary>
    public static async Task<EncryptedDumpScan> ScanAsync(string path, AgeIdentity? identity, CancellationToken cancellationToken = default)
    {
        BackupManifest? manifest = null;
        try
        {
            manifest = await BackupManifest.ReadForDumpAsync(path, cancellationToken);
        }
        catch (InvalidManifestException)
        {
            // The recipients are then unknown; the file itself can still be read.
        }

        var recipients = manifest?.Encryption?.Recipients;
        if (identity is null)
        {
            return new EncryptedDumpScan(null, AgeTool.MissingIdentity(recipients), recipients);
        }

        var (scan, problem) = await EncryptedScan.ScanAsync(path, identity, recipients, cancellationToken);
        return new EncryptedDumpScan(scan, problem, recipients);
    }
}
