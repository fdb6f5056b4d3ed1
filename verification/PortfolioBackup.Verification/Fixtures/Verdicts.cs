using FluentAssertions.Execution;
using PortfolioBackup.Verification;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>Assertions whose messages say which dump failed which check and why, so the failure alone is actionable.</summary>
public static class Verdicts
{
    /// <summary>
    /// Fails when there is nothing to verify (BACKUP_DIR missing, unreadable or empty): with the help text in
    /// <see cref="DumpHealthTests"/>, with a one-line pointer to it in every other test.
    /// </summary>
    public static void ShouldHaveSomethingToVerify(this RestoredDatabases databases, bool withHelp = false)
    {
        if (databases.Selection.Problem is { } problem)
        {
            Fail(withHelp
                ? $"Nothing to verify: {problem}.\n{SuiteSettings.Help}"
                : $"Nothing to verify: {problem} (Dump_restores_and_passes_every_check says how to set BACKUP_DIR).");
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
        // "Dump" first: FluentAssertions capitalises the first letter, which would misspell the file name.
        Fail($"Dump {file} is NOT healthy (restored on {verdict.Engine}{(verdict.Image is null ? string.Empty : " " + verdict.Image)}, PostgreSQL {verdict.ServerVersion}):\n{string.Join("\n", lines)}");
    }

    private static void Fail(string message) =>
        // FluentAssertions reads {…} as placeholders; details quote SQL and JSON, so braces are escaped.
        Execute.Assertion.FailWith(message.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal));
}
