using System.Text.Json;
using System.Text.Json.Serialization;

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
                d.Loader,
                d.Checks.Select(c => new CheckDocument(c.Name, c.Label, c.Passed, c.Detail)).ToList(),
                d.Extensions,
                d.Tables.Select(t => new TableDocument(t.Schema, t.Name, t.Rows, t.ExpectedRows)).ToList())).ToList(),
            report.Notes,
            report.AllHealthy),
        JsonOptions);

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
        string? Loader,
        IReadOnlyList<CheckDocument> Checks,
        IReadOnlyList<string> Extensions,
        IReadOnlyList<TableDocument> Tables);

    private sealed record CheckDocument(string Name, string Status, bool Passed, string Detail);

    private sealed record TableDocument(string Schema, string Name, long Rows, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? ExpectedRows);
}
