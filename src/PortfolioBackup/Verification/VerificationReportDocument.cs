using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Verification;

/// <summary>
/// The one JSON shape of a verification report: written by <c>verify --report</c> and the xunit suite, read back by
/// <c>report-summary</c>. Lists are nullable because a hand-edited or older report may leave them out.
/// </summary>
public sealed record VerificationReportDocument(string? Tier, IReadOnlyList<VerificationReportDocument.Dump>? Dumps, IReadOnlyList<string>? Notes, bool AllHealthy)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The document of a report.</summary>
    public static VerificationReportDocument From(VerificationReport report) => new(
        report.Tier,
        report.Dumps.Select(d => new Dump(
            d.File, d.Healthy, d.Engine, d.Image, d.ServerVersion, d.DurationSeconds, d.Sha256, d.Database, d.ExpectedRowsSource, d.Loader,
            d.Checks.Select(c => new Check(c.Name, c.Label, c.Passed, c.Detail)).ToList(),
            d.Extensions,
            d.Tables.Select(t => new Table(t.Schema, t.Name, t.Rows, t.ExpectedRows)).ToList(),
            d.AllWarnings)).ToList(),
        report.Notes,
        report.AllHealthy);

    /// <summary>The document as indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a report written by <c>verify --report</c>; a missing or foreign file is a configuration error.</summary>
    public static async Task<VerificationReportDocument> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new ConfigurationException([$"--report {path} does not exist"], "Write one with: portfolio-backup verify --report report.json");
        }

        try
        {
            await using var stream = File.OpenRead(path);
            var document = await JsonSerializer.DeserializeAsync<VerificationReportDocument>(stream, JsonOptions, cancellationToken);
            return document is { Dumps: not null }
                ? document
                : throw new ConfigurationException([$"--report {path} has no \"dumps\" array; is it a report from 'portfolio-backup verify --report'?"]);
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException([$"--report {path} is not valid JSON ({ex.Message}); is it a report from 'portfolio-backup verify --report'?"]);
        }
    }

    /// <summary>One dump's verdict.</summary>
    public sealed record Dump(
        string File,
        bool Healthy,
        string? Engine,
        string? Image,
        string? ServerVersion,
        double DurationSeconds,
        string? Sha256,
        string? Database,
        string? ExpectedRowsSource,
        string? Loader,
        IReadOnlyList<Check>? Checks,
        IReadOnlyList<string>? Extensions,
        IReadOnlyList<Table>? Tables,
        IReadOnlyList<string>? Warnings);

    /// <summary>One check: its name, "pass"/"warn"/"fail"/"not-run", whether it passed (warn counts as passed), and its detail.</summary>
    public sealed record Check(string Name, string? Status, bool Passed, string Detail);

    /// <summary>One table's rows and the rows expected of it.</summary>
    public sealed record Table(string Schema, string Name, long Rows, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? ExpectedRows);
}
