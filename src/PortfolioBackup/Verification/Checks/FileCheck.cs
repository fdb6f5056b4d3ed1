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
}
