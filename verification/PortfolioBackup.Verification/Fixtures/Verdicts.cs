using FluentAssertions.Execution;
using PortfolioBackup.Verification;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>Assertions whose messages say which dump failed which check and why, so the failure alone is actionable.</summary>
public static class Verdicts
{
    /// <summary>Fails with the help text when there is nothing to verify (BACKUP_DIR missing, unreadable or empty).</summary>
    public static void ShouldHaveSomethingToVerify(this RestoredDatabases databases)
    {
        if (databases.Selection.Problem is { } problem)
        {
            Fail($"Nothing to verify: {problem}.\n{SuiteSettings.Help}");
        }
    }

    /// <summary>Fails listing every failed check as "file: check failed: detail".</summary>
    public static void ShouldBeHealthy(this DumpVerdict verdict)
    {
        if (verdict.Healthy)
        {
            return;
        }

        var file = Path.GetFileName(verdict.File);
        var lines = verdict.Failures.Select(f => $"{file}: {f.Name} failed: {f.Detail}");
        Fail($"{file} is NOT healthy (restored on {verdict.Engine}{(verdict.Image is null ? string.Empty : " " + verdict.Image)}, PostgreSQL {verdict.ServerVersion}):\n{string.Join("\n", lines)}");
    }

    private static void Fail(string message) =>
        // FluentAssertions reads {…} as placeholders; details quote SQL and JSON, so braces are escaped.
        Execute.Assertion.FailWith(message.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal));
}
