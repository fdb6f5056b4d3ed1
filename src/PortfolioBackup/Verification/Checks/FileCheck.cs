namespace PortfolioBackup.Verification.Checks;

/// <summary><c>file</c>: a custom-format archive whose header reads, with the size and SHA-256 its manifest recorded.</summary>
internal sealed class FileCheck : IVerificationCheck
{
    public string Name => "file";

    public CheckNeeds Needs => CheckNeeds.None;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        if (!context.Probe.IsCustomArchive || context.Probe.Header is not { } header)
        {
            return CheckResult.Fail(Name, context.Probe.Detail);
        }

        if (context.ManifestProblem is { } problem)
        {
            return CheckResult.Fail(Name, problem);
        }

        // The hash comes from the same read that decompresses every block, so the file is read once.
        var scan = await context.ArchiveAsync();
        var size = context.Probe.SizeBytes;
        var summary = $"custom-format archive {header.ArchiveVersion.ToString(3)}, {header.CompressionName}, {CheckText.Count(size)} bytes, " +
                      $"pg_dump {header.PgDumpVersion}, database {header.DatabaseName}";
        if (context.Encrypted is { } encrypted)
        {
            return CheckEncrypted(context, encrypted, scan, summary);
        }

        if (context.Manifest is not { } manifest)
        {
            return CheckResult.Pass(Name, $"{summary}; no manifest beside it");
        }

        if (manifest.SizeBytes != size)
        {
            return CheckResult.Fail(Name, $"size {size} bytes differs from the manifest's {manifest.SizeBytes} bytes: the file changed or was cut after the backup");
        }

        return string.Equals(manifest.Sha256, scan.Sha256, StringComparison.OrdinalIgnoreCase)
            ? CheckResult.Pass(Name, $"{summary}; size and SHA-256 match the manifest")
            : CheckResult.Fail(Name, $"SHA-256 {scan.Sha256} differs from the manifest's {manifest.Sha256}: the file changed after the backup");
    }

    private CheckResult CheckEncrypted(CheckContext context, (long SizeBytes, string Sha256) encrypted, Archive.ArchiveScan scan, string summary)
    {
        var what = $"age-encrypted ({CheckText.Count(encrypted.SizeBytes)} bytes), decrypted: {summary}";
        if (context.Manifest is not { } manifest)
        {
            return CheckResult.Pass(Name, $"{what}; no manifest beside it");
        }

        if (manifest.SizeBytes != encrypted.SizeBytes)
        {
            return CheckResult.Fail(Name, $"the encrypted file's size {encrypted.SizeBytes} bytes differs from the manifest's {manifest.SizeBytes} bytes: the file changed or was cut after the backup");
        }

        if (!string.Equals(manifest.Sha256, encrypted.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return CheckResult.Fail(Name, $"the encrypted file's SHA-256 {encrypted.Sha256} differs from the manifest's {manifest.Sha256}: the file changed after the backup");
        }

        if (manifest.Encryption is not { } encryption)
        {
            return CheckResult.Fail(Name, "the file is age-encrypted but its manifest records no encryption: the manifest belongs to another file");
        }

        return string.Equals(encryption.PlaintextSha256, scan.Sha256, StringComparison.OrdinalIgnoreCase)
            ? CheckResult.Pass(Name, $"{what}; encrypted for {string.Join(", ", encryption.Recipients)}; size and SHA-256 of the encrypted file and the plaintext's SHA-256 match the manifest")
            : CheckResult.Fail(Name, $"the decrypted dump's SHA-256 {scan.Sha256} differs from the manifest's plaintext SHA-256 {encryption.PlaintextSha256}: the file is not the one the backup wrote");
    }
}
