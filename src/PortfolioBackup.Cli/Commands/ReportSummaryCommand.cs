using System.CommandLine;
using System.Globalization;
using System.Text;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup report-summary</c>: a verification JSON report as a Markdown table (for $GITHUB_STEP_SUMMARY).</summary>
internal static class ReportSummaryCommand
{
    public static Command Create(CliContext context)
    {
        var report = new Option<string>("--report") { Description = "The JSON report written by 'verify --report FILE'.", Required = true, HelpName = "FILE" };
        var backupDir = new Option<string?>("--backup-dir") { Description = "Where the dumps are, for their sizes when the report's paths no longer exist (default: $BACKUP_DIR).", HelpName = "DIR" };
        var command = new Command(
            "report-summary",
            "Print a verification report as Markdown: one row per dump with age, size, verdict, tables, rows, duration and the first failure. " +
            "Exit 0 when printed (whatever the verdicts), 2 when the report is missing or not a verification report.")
        {
            report, backupDir,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetValue(report)!;
            var document = await VerificationReportDocument.ReadAsync(path, cancellationToken);
            var directory = parseResult.GetValue(backupDir) ?? context.Environment.GetValueOrDefault("BACKUP_DIR");
            await context.Out.WriteAsync(Render(document, directory, DateTimeOffset.UtcNow));
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Render(VerificationReportDocument report, string? backupDirectory, DateTimeOffset now)
    {
        var text = new StringBuilder();
        var dumps = report.Dumps ?? [];
        var healthy = dumps.Count(d => d.Healthy);
        var icon = dumps.Count > 0 && healthy == dumps.Count ? "✅" : "❌";
        text.Append(CultureInfo.InvariantCulture, $"### {icon} Backup verification: {healthy} of {dumps.Count} dump(s) healthy\n\n");
        if (dumps.Count == 0)
        {
            text.Append("No dump was verified.\n");
        }
        else
        {
            text.Append("| Dump | Age | Size | Verdict | Tables | Rows | Duration | First failure |\n");
            text.Append("|---|---:|---:|---|---:|---:|---:|---|\n");
            foreach (var dump in dumps)
            {
                var tables = dump.Tables ?? [];
                var name = Path.GetFileName(dump.File);
                var age = BackupFileName.TryParseAny(name, out var takenAt)
                    ? BackupAge.Format(now - takenAt)
                    : "?";
                var size = SizeOf(dump.File, backupDirectory) is { } bytes ? ByteSize.Format(bytes) : "?";
                var verdict = dump.Healthy ? "✅ healthy" : "❌ **NOT healthy**";
                var rows = tables.Sum(t => t.Rows).ToString("N0", CultureInfo.InvariantCulture);
                var failure = (dump.Checks ?? []).FirstOrDefault(c => !c.Passed) is { } f ? $"{f.Name}: {f.Detail}" : "";
                var warnings = (dump.Checks ?? []).Count(c => c.Status == CheckResult.LabelOf(CheckStatus.Warn));
                verdict += warnings > 0 ? $" ⚠️ {warnings} warning{(warnings == 1 ? string.Empty : "s")}" : string.Empty;
                text.Append(CultureInfo.InvariantCulture, $"| `{Cell(name)}` | {age} | {size} | {verdict} | {tables.Count} | {rows} | {dump.DurationSeconds:0.#} s | {Cell(failure)} |\n");
            }
        }

        var warned = dumps.Where(d => d.Warnings is { Count: > 0 }).ToList();
        if (warned.Count > 0)
        {
            text.Append("\n**Warnings** (the dump is faithful; the source deserves a look):\n\n");
            foreach (var dump in warned)
            {
                foreach (var warning in dump.Warnings!)
                {
                    text.Append(CultureInfo.InvariantCulture, $"- `{Cell(Path.GetFileName(dump.File))}`: {Cell(warning)}\n");
                }
            }
        }

        if (report.Notes is { Count: > 0 } notes)
        {
            text.Append('\n');
            foreach (var note in notes)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {Cell(note)}\n");
            }
        }

        return text.ToString();
    }

    private static long? SizeOf(string file, string? backupDirectory)
    {
        var candidates = new List<string> { file };
        if (!string.IsNullOrWhiteSpace(backupDirectory))
        {
            candidates.Add(Path.Combine(backupDirectory, Path.GetFileName(file)));
        }

        return candidates.Select(c => new FileInfo(c)).FirstOrDefault(f => f.Exists)?.Length;
    }

    // A pipe or a line break inside a cell would break the Markdown table.
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
