using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Verification;

/// <summary>Writes a <see cref="VerificationReport"/> as camelCase JSON for CI and monitoring.</summary>
public static class VerificationReportWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The report as JSON: <c>{"tier","dumps":[{"file","healthy","engine",…,"expectedRowsSource","checks":[…],"tables":[…]}],"notes":[…]}</c>.</summary>
    public static string ToJson(VerificationReport report) => JsonSerializer.Serialize(
        new ReportDocument(
            report.Tier,
            report.Dumps.Select(d => new DumpDocument(
                d.File,
                d.Healthy,
                d.Engine,
                d.Image,
                d.ServerVersion,
                d.DurationSeconds,
                d.Sha256,
                d.Database,
                d.ExpectedRowsSource,
                d.Checks.Select(c => new CheckDocument(c.Name, c.Passed, c.Detail)).ToList(),
                d.Extensions,
                d.Tables.Select(t => new TableDocument(t.Schema, t.Name, t.Rows, t.ExpectedRows)).ToList())).ToList(),
            report.Notes,
            report.AllHealthy),
        JsonOptions);

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

    private sealed record ReportDocument(string Tier, IReadOnlyList<DumpDocument> Dumps, IReadOnlyList<string> Notes, bool AllHealthy);

    private sealed record DumpDocument(
        string File,
        bool Healthy,
        string Engine,
        string? Image,
        string ServerVersion,
        double DurationSeconds,
        string? Sha256,
        string? Database,
        string? ExpectedRowsSource,
        IReadOnlyList<CheckDocument> Checks,
        IReadOnlyList<string> Extensions,
        IReadOnlyList<TableDocument> Tables);

    private sealed record CheckDocument(string Name, bool Passed, string Detail);

    private sealed record TableDocument(string Schema, string Name, long Rows, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? ExpectedRows);
}
