using PortfolioBackup.Backup;

namespace PortfolioBackup.Verification;

/// <summary>The end of the <c>file</c> check that both tiers share: the dump's size and SHA-256 against its manifest.</summary>
internal static class ManifestFileCheck
{
    /// <summary>Passes with <paramref name="summary"/> when there is no manifest or it matches; fails naming what differs.</summary>
    public static CheckResult Compare(string summary, long sizeBytes, string? sha256, BackupManifest? manifest, string? manifestProblem)
    {
        if (manifestProblem is not null)
        {
            return new CheckResult("file", false, manifestProblem);
        }

        if (manifest is null)
        {
            return new CheckResult("file", true, $"{summary}; no manifest beside it");
        }

        if (manifest.SizeBytes != sizeBytes)
        {
            return new CheckResult("file", false, $"size {sizeBytes} bytes differs from the manifest's {manifest.SizeBytes} bytes: the file changed or was cut after the backup");
        }

        return string.Equals(manifest.Sha256, sha256, StringComparison.OrdinalIgnoreCase)
            ? new CheckResult("file", true, $"{summary}; size and SHA-256 match the manifest")
            : new CheckResult("file", false, $"SHA-256 {sha256} differs from the manifest's {manifest.Sha256}: the file changed after the backup");
    }
}
