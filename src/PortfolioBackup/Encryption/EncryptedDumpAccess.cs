using PortfolioBackup.Archive;
using PortfolioBackup.Backup;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Encryption;

/// <summary>Opens an age-encrypted dump for the checks: decrypted once per verification, streamed or into a private file.</summary>
internal static class EncryptedDumpAccess
{
    /// <summary>
    /// Hashes the encrypted file and decrypts it as the options ask. Without an identity, or when age fails, the probe
    /// becomes a verdict sentence (kind <see cref="DumpFileKind.Encrypted"/>) that the <c>file</c> check reports.
    /// </summary>
    public static async Task<(DumpProbeResult Probe, Readable Readable)> OpenAsync(
        DumpProbeResult probe, BackupManifest? manifest, CheckContextOptions options, CancellationToken cancellationToken)
    {
        var path = probe.Path;
        var encrypted = (probe.SizeBytes, await FileHash.Sha256Async(path, cancellationToken));
        var recipients = manifest?.Encryption?.Recipients;
        if (options.Decrypted is { } given)
        {
            var decrypted = await DumpProbe.ProbeAsync(given.Path, cancellationToken);
            return (decrypted with { Path = path }, new Readable(given, null, encrypted, OwnsCopy: false));
        }

        if (options.Identity is not { } identity)
        {
            return (Unreadable(probe, AgeTool.MissingIdentity(recipients)), new Readable(null, null, encrypted));
        }

        if (options.DecryptToFile)
        {
            var (copy, problem) = await DecryptedCopy.CreateAsync(path, identity, recipients, manifest?.Encryption?.PlaintextSizeBytes, cancellationToken);
            if (copy is null)
            {
                return (Unreadable(probe, problem!), new Readable(null, null, encrypted));
            }

            var plain = await DumpProbe.ProbeAsync(copy.Path, cancellationToken);
            return (plain with { Path = path }, new Readable(copy, null, encrypted));
        }

        var (scan, failure) = await EncryptedScan.ScanAsync(path, identity, recipients, cancellationToken);
        if (scan is null)
        {
            return (Unreadable(probe, failure!), new Readable(null, null, encrypted));
        }

        var kind = scan.Header is null ? (scan.FileKind == DumpFileKind.Truncated ? DumpFileKind.Truncated : DumpFileKind.NotADump) : DumpFileKind.Custom;
        var detail = scan.Header is { } header ? $"custom-format archive {header.ArchiveVersion.ToString(3)}, {header.CompressionName} compression" : $"decrypted, but {scan.Detail}";
        return (new DumpProbeResult(path, kind, detail, scan.Header, scan.SizeBytes), new Readable(null, scan, encrypted));
    }

    private static DumpProbeResult Unreadable(DumpProbeResult probe, string detail) => probe with { Detail = detail, Header = null };
}
