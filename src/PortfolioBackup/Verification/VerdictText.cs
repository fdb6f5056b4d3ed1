using System.Globalization;

namespace PortfolioBackup.Verification;

/// <summary>The one plain-text rendering of verdicts, shared by the CLI, the xunit suite and <c>backup --verify</c>.</summary>
public static class VerdictText
{
    /// <summary>
    /// The status word printed before a check: the report's own label (pass, warn, not-run), with a failure in capitals
    /// (FAIL) so that eyes and grep find it in a long log.
    /// </summary>
    public static string Word(CheckResult check) => check.Status == CheckStatus.Fail ? check.Label.ToUpperInvariant() : check.Label;

    /// <summary>One check: "  pass  file: …".</summary>
    public static string Line(CheckResult check) => $"  {Word(check)}  {check.Name}: {check.Detail}";

    /// <summary>Where a verdict was reached: the engine, image and server, or the quick tier.</summary>
    public static string Where(DumpVerdict dump) =>
        dump.Tier == QuickVerifier.Tier
            ? "quick: read natively, nothing restored"
            : $"{dump.Engine}{(dump.Image is null ? string.Empty : " " + dump.Image)}, PostgreSQL {dump.ServerVersion}";

    /// <summary>A dump's block: the heading, every check, every warning and every table's rows.</summary>
    public static IEnumerable<string> Lines(DumpVerdict dump, string name)
    {
        yield return string.Create(CultureInfo.InvariantCulture, $"{name}: {(dump.Healthy ? "healthy" : "NOT HEALTHY")} ({Where(dump)}, {dump.DurationSeconds:0.##} s)");
        foreach (var check in dump.Checks)
        {
            yield return Line(check);
        }

        foreach (var warning in dump.Warnings)
        {
            yield return $"  warning: {warning}";
        }

        foreach (var table in dump.Tables)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"  rows  {table.QualifiedName}: {table.Rows}{(table.ExpectedRows is { } expected ? $" (expected {expected})" : string.Empty)}");
        }
    }

    /// <summary>The closing line: "1 of 1 dump(s) healthy".</summary>
    public static string Summary(VerificationReport report) =>
        $"{report.Dumps.Count(d => d.Healthy)} of {report.Dumps.Count} dump(s) healthy";
}
