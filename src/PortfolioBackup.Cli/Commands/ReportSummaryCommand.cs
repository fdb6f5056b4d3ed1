using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PortfolioBackup.Backup;
using PortfolioBackup.Configuration;
using PortfolioBackup.Retention;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup report-summary</c>: a verification JSON report as a Markdown table (for $GITHUB_STEP_SUMMARY).</summary>
internal static class ReportSummaryCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

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
            var document = await ReadAsync(path, cancellationToken);
            var directory = parseResult.GetValue(backupDir) ?? context.Environment.GetValueOrDefault("BACKUP_DIR");
            await context.Out.WriteAsync(Render(document, directory, DateTimeOffset.UtcNow));
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Render(ReportDocument report, string? backupDirectory, DateTimeOffset now)
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
                var age = BackupFileName.TryParse(name, out var takenAt) || BackupFileName.TryParse(name, BackupFileName.PreRestorePrefix, out takenAt)
                    ? BackupAge.Format(now - takenAt)
                    : "?";
                var size = SizeOf(dump.File, backupDirectory) is { } bytes ? ByteSize.Format(bytes) : "?";
                var verdict = dump.Healthy ? "✅ healthy" : "❌ **NOT healthy**";
                var rows = tables.Sum(t => t.Rows).ToString("N0", CultureInfo.InvariantCulture);
                var failure = (dump.Checks ?? []).FirstOrDefault(c => !c.Passed) is { } f ? $"{f.Name}: {f.Detail}" : "";
                text.Append(CultureInfo.InvariantCulture, $"| `{Cell(name)}` | {age} | {size} | {verdict} | {tables.Count} | {rows} | {dump.DurationSeconds:0.#} s | {Cell(failure)} |\n");
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

    private static async Task<ReportDocument> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new ConfigurationException([$"--report {path} does not exist"], "Write one with: portfolio-backup verify --report report.json");
        }

        try
        {
            await using var stream = File.OpenRead(path);
            var document = await JsonSerializer.DeserializeAsync<ReportDocument>(stream, JsonOptions, cancellationToken);
            return document is { Dumps: not null }
                ? document
                : throw new ConfigurationException([$"--report {path} has no \"dumps\" array; is it a report from 'portfolio-backup verify --report'?"]);
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException([$"--report {path} is not valid JSON ({ex.Message}); is it a report from 'portfolio-backup verify --report'?"]);
        }
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

    // Lists are nullable because a hand-edited or older report may leave them out.
    internal sealed record ReportDocument(IReadOnlyList<DumpDocument>? Dumps, IReadOnlyList<string>? Notes);

    internal sealed record DumpDocument(string File, bool Healthy, double DurationSeconds, IReadOnlyList<CheckDocument>? Checks, IReadOnlyList<TableDocument>? Tables);

    internal sealed record CheckDocument(string Name, bool Passed, string Detail);

    internal sealed record TableDocument(string Schema, string Name, long Rows);
}
