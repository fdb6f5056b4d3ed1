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

    /// <summary>The facts of a run that failed: when its report calls every dump healthy, the log's last error says why.</summary>
    public static JobFacts OfFailedRun(VerificationReportDocument report, string logTail)
    {
        ArgumentNullException.ThrowIfNull(logTail);
        var facts = Of(report);
        if (facts.Event is not null || facts.Detail is null)
        {
            return facts;
        }

        // "All healthy" as the detail of a failure would send the reader to the dumps, which are fine.
        var lines = logTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = lines.LastOrDefault(l => l.StartsWith("error", StringComparison.OrdinalIgnoreCase))
            ?? lines.LastOrDefault(l => l.StartsWith("Failed ", StringComparison.Ordinal))
            ?? "see the job's log";
        return facts with { Event = "verify-failed", Detail = $"the suite failed for a reason other than dump health ({facts.Detail}): {error}" };
    }
}
