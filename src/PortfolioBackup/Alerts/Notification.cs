using System.Text.Json;
using System.Text.Json.Serialization;

namespace PortfolioBackup.Alerts;

/// <summary>
/// The JSON a webhook receives. <c>text</c> is what a Slack incoming webhook shows and <c>content</c> what a Discord one
/// shows, so either works as it is; the other fields are for whoever parses it.
/// </summary>
public sealed record Notification(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("job")] string Job,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("database")] string? Database,
    [property: JsonPropertyName("file")] string? File,
    [property: JsonPropertyName("check")] string? Check,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("hint")] string Hint,
    [property: JsonPropertyName("text")] string Text)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Discord's message field (at most 2000 characters).</summary>
    [JsonPropertyName("content")]
    public string Content => Text.Length <= 2000 ? Text : Text[..1999] + "…";

    /// <summary>The notification of a job's outcome; every value masked.</summary>
    public static Notification For(AlertJob job, bool succeeded, JobFacts facts, string outputTail, AlertSettings settings)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(settings);
        var jobName = job.ToString().ToLowerInvariant();
        var name = !succeeded && facts.Event is { } specific ? specific : (succeeded ? (job == AlertJob.Status ? "status-ok" : $"{jobName}-succeeded") : (job == AlertJob.Status ? "status-critical" : $"{jobName}-failed"));
        string Mask(string text) => OutputTail.Mask(text, settings.Secrets);
        var detail = Mask(facts.Detail ?? DetailFrom(outputTail, succeeded));
        var hint = Mask(HintFor(job, facts.File, settings.Host));
        var lines = new List<string> { $"{(succeeded ? "✅" : "❌")} portfolio-backup on {settings.Host}: {Headline(name)}", detail };
        lines.AddRange(new[] { ("database", facts.Database), ("file", facts.File), ("check", facts.Check) }
            .Where(f => f.Item2 is not null).Select(f => $"{f.Item1}: {Mask(f.Item2!)}"));
        if (!succeeded)
        {
            lines.Add(hint);
        }

        // Every field is masked, not only the free text: a database or file name can hold a secret's value too.
        string? MaskOrNull(string? text) => text is null ? null : Mask(text);
        return new Notification(name, succeeded, jobName, Mask(settings.Host), MaskOrNull(facts.Database), MaskOrNull(facts.File), MaskOrNull(facts.Check), detail, hint, string.Join('\n', lines));
    }

    /// <summary>The body as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static string Headline(string name) => name switch
    {
        "backup-failed" => "the backup FAILED",
        "upload-failed" => "the upload to the bucket FAILED",
        "verify-failed" => "the verification FAILED",
        "dump-unhealthy" => "a backup is NOT healthy",
        "status-critical" => "backups are stale (status CRITICAL)",
        "status-ok" => "backups are fresh (status OK)",
        _ => name.Replace('-', ' '),
    };

    private static string HintFor(AlertJob job, string? file, string host) => job switch
    {
        AlertJob.Backup => $"Look further: run 'portfolio-backup backup' (or backup_db.sh) on {host} and read its output; 'portfolio-backup status' shows the newest good backup.",
        AlertJob.Upload => $"Look further: 'portfolio-backup upload' on {host} retries what is missing; 'portfolio-backup list --remote' shows the bucket.",
        AlertJob.Verify => $"Look further: 'portfolio-backup verify {file ?? "FILE"}' (or test_restore.sh) shows every check; the verification report has them all.",
        _ => $"Look further: 'portfolio-backup status' and 'portfolio-backup list' on {host}.",
    };

    // The line that says most: an error, a CRITICAL headline, else the last thing printed.
    private static string DetailFrom(string outputTail, bool succeeded)
    {
        var lines = outputTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var telling = succeeded ? null : lines.FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal) || l.StartsWith("CRITICAL", StringComparison.Ordinal) || l.StartsWith("configuration error", StringComparison.Ordinal));
        var line = telling ?? lines.LastOrDefault() ?? (succeeded ? "finished" : "failed without output");
        return line.Length > 1000 ? line[..999] + "…" : line;
    }
}
