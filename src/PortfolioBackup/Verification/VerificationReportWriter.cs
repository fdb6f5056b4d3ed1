using PortfolioBackup.Configuration;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Verification;

/// <summary>Writes a <see cref="VerificationReport"/> as camelCase JSON for CI and monitoring.</summary>
public static class VerificationReportWriter
{
    /// <summary>The report as JSON (<see cref="VerificationReportDocument"/>).</summary>
    public static string ToJson(VerificationReport report) => VerificationReportDocument.From(report).ToJson();

    /// <summary>Throws <see cref="ConfigurationException"/> when a report could not be written to <paramref name="path"/>: checked before verifying, so no work is lost.</summary>
    public static void CheckTarget(string? path)
    {
        if (path is null)
        {
            return;
        }

        var problem = path.Length == 0 ? "--report is empty; name the JSON file to write" : null;
        if (problem is null)
        {
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full);
            problem = Directory.Exists(full)
                ? $"--report {full} is a folder; name the JSON file to write in it, e.g. {Path.Combine(full, "verification.json")}"
                : folder is not null && !Directory.Exists(folder)
                    ? $"--report {full}: the folder {folder} does not exist; create it first"
                    : null;
        }

        if (problem is not null)
        {
            throw new ConfigurationException([problem]);
        }
    }

    /// <summary>Writes the report to a file through a temporary file, so a reader never sees half a report.</summary>
    public static async Task WriteAsync(VerificationReport report, string path, CancellationToken cancellationToken = default)
    {
        CheckTarget(path);

        // 0600 whatever the umask: a report names every table and its rows.
        await DurableFile.ReplaceAllTextAsync(path, ToJson(report), DurableFile.OwnerOnlyFile, cancellationToken);
    }
}
