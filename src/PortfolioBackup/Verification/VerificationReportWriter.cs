namespace PortfolioBackup.Verification;

/// <summary>Writes a <see cref="VerificationReport"/> as camelCase JSON for CI and monitoring.</summary>
public static class VerificationReportWriter
{
    /// <summary>The report as JSON (<see cref="VerificationReportDocument"/>).</summary>
    public static string ToJson(VerificationReport report) => VerificationReportDocument.From(report).ToJson();

    /// <summary>Writes the report to a file through a temporary file, so a reader never sees half a report.</summary>
    public static async Task WriteAsync(VerificationReport report, string path, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await File.WriteAllTextAsync(temporary, ToJson(report), cancellationToken);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
