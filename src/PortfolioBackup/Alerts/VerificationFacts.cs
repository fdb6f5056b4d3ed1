using System.Globalization;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Alerts;

/// <summary>What a notification names about a verification: the first dump that is not healthy, and its first failed check.</summary>
public static class VerificationFacts
{
    /// <summary>The facts of a report (written by <c>verify</c> or by the xunit suite for test_restore.sh).</summary>
    public static JobFacts Of(VerificationReportDocument report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var dumps = report.Dumps ?? [];
        if (dumps.Count == 0)
        {
            return JobFacts.None;
        }

        var healthy = dumps.Count(d => d.Healthy);
        var summary = string.Create(CultureInfo.InvariantCulture, $"{healthy} of {dumps.Count} dump(s) healthy");
        if (dumps.FirstOrDefault(d => !d.Healthy) is not { } sick)
        {
            var newest = dumps[^1];
            return new JobFacts { Database = newest.Database, File = Path.GetFileName(newest.File), Detail = summary };
        }

        var check = (sick.Checks ?? []).FirstOrDefault(c => !c.Passed) is { } failed ? $"{failed.Name}: {failed.Detail}" : null;
        return new JobFacts
        {
            Event = "dump-unhealthy",
            Database = sick.Database,
            File = Path.GetFileName(sick.File),
            Check = check,
            Detail = $"{Path.GetFileName(sick.File)} is NOT healthy ({summary})",
        };
    }
}
