using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioBackup.Catalog;
using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;
using PortfolioBackup.Status;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup status</c>: is there a fresh backup and a fresh verified backup? Exit 0 OK, 1 stale, 2 usage.</summary>
internal static class StatusCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        var backupDir = new Option<string?>("--backup-dir") { Description = "The backup folder (overrides BACKUP_DIR).", HelpName = "DIR" };
        var maxAge = new Option<double>("--max-age-hours") { Description = "The newest backup may be at most this many hours old.", DefaultValueFactory = _ => 26, HelpName = "H" };
        var maxVerifiedAge = new Option<double>("--max-verified-age-hours") { Description = "The newest verified (healthy) backup may be at most this many hours old.", DefaultValueFactory = _ => 26, HelpName = "H" };
        var maxOffsiteAge = new Option<double?>("--max-offsite-age-hours")
        {
            Description = "With BACKUP_S3_BUCKET set: the newest backup in the bucket may be at most this many hours old (default 26; 0 turns the check off).",
            HelpName = "H",
        };
        var metricsFile = new Option<string?>("--metrics-file")
        {
            Description = "Also write the status as Prometheus metrics to this file, atomically, for node_exporter's textfile collector (overrides STATUS_METRICS_FILE).",
            HelpName = "PATH",
        };
        var json = new Option<bool>("--json") { Description = "Print the status as JSON (status, problems, newestBackup, newestVerified, newestOffsite, limits)." };
        var command = new Command(
            "status",
            "Check the newest backup and the newest verified backup against age limits; the first line reads 'OK - …' or 'CRITICAL - …' " +
            "(exit 0 OK, 1 stale or missing, 2 usage), for cron monitors and Nagios-style checks.")
        {
            backupDir, maxAge, maxVerifiedAge, maxOffsiteAge, metricsFile, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var directory = SettingsReader.RequireBackupDirectory(context.Environment, parseResult.GetValue(backupDir));
            var metrics = SettingsReader.ReadStatusMetricsFile(context.Environment, parseResult.GetValue(metricsFile));
            var options = new BackupStatusOptions
            {
                BackupDirectory = directory,
                MaxBackupAge = Hours(parseResult.GetValue(maxAge)),
                MaxVerifiedAge = Hours(parseResult.GetValue(maxVerifiedAge)),
                MaxOffsiteAge = parseResult.GetValue(maxOffsiteAge) is { } offsite ? (offsite == 0 ? null : Hours(offsite)) : BackupStatusOptions.DefaultMaxOffsiteAge,
                Trust = VerdictTrust.FromEnvironment(context.Environment),
            };

            // A backup verified in CI counts here: its verdict came back to the bucket, read with the bucket's backups in one budget.
            var bucket = await BucketVerdicts.ReadAsync(context.Environment, withBackups: true, cancellationToken);
            BackupStatus status;
            try
            {
                status = await BackupStatus.CheckAsync(options with { Bucket = bucket }, cancellationToken);
            }
            catch (BackupDirectoryNotFoundException ex)
            {
                // A monitor reads the first line of stdout: a vanished volume is the most critical state of all.
                status = BackupStatus.Unchecked(options, ex.Message);
                await context.Out.WriteLineAsync(status.Headline);
                return await WriteMetricsAsync(context, metrics, status, cancellationToken) ?? ExitCodes.Failed;
            }

            context.Facts.Note(new Alerts.JobFacts { Detail = status.Headline, File = status.NewestBackup?.FileName });
            foreach (var warning in status.Warnings.Concat(bucket.Warnings))
            {
                await context.Error.WriteLineAsync($"warning: {warning}");
            }

            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(ToJson(status), JsonOptions));
            }
            else
            {
                await WriteTextAsync(context.Out, status);
            }

            return await WriteMetricsAsync(context, metrics, status, cancellationToken) ?? (status.Ok ? ExitCodes.Ok : ExitCodes.Failed);
        });
        return command;
    }

    // Written on OK and CRITICAL alike, after the status is printed: the monitor's first line stands even when the file fails.
    private static async Task<int?> WriteMetricsAsync(CliContext context, string? path, BackupStatus status, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            await StatusMetrics.WriteAsync(path, status, cancellationToken);
            return null;
        }
        catch (MetricsFileException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    private static TimeSpan Hours(double hours) =>
        double.IsFinite(hours) && Math.Abs(hours) < 1e6 ? TimeSpan.FromHours(hours)
        : throw new ConfigurationException([$"{hours.ToString(CultureInfo.InvariantCulture)} is not a usable number of hours (expected e.g. 26)"]);

    private static async Task WriteTextAsync(TextWriter output, BackupStatus status)
    {
        await output.WriteLineAsync(status.Headline);
        await output.WriteLineAsync(status.NewestBackup is { } b
            ? $"newest backup:   {b.FileName} (taken {Utc(b.TakenAt)}, {BackupStatus.Old(b.AgeAt(status.Now))}, {ByteSize.Format(b.SizeBytes)})"
            : "newest backup:   none");
        await output.WriteLineAsync(status.NewestVerified is { } v
            ? $"newest verified: {v.Backup.FileName} (taken {Utc(v.Backup.TakenAt)}, {BackupStatus.Old(v.Backup.AgeAt(status.Now))}; healthy at {Utc(v.Verification.VerifiedAt)} on {v.Verification.Engine}{(v.Verification.Image is null ? "" : " " + v.Verification.Image)}{(status.VerdictFromBucket ? ", verdict from the bucket" : "")}{(v.Verification.SignedBy is { } key && status.Options.Trust.Enforced ? $", signed by {key}" : "")})"
            : "newest verified: none");
        foreach (var warning in status.NewestVerified?.Verification.Warnings ?? [])
        {
            // A faithful backup of a schema that moved is still the newest verified one; the change deserves a look.
            await output.WriteLineAsync($"  warn  {warning}");
        }

        await output.WriteLineAsync(status.OffsiteLocation is not { } bucket
            ? "newest offsite:  none (no bucket: BACKUP_S3_BUCKET is not set)"
            : status.NewestOffsite is { } o
                ? $"newest offsite:  {o.FileName} (taken {Utc(o.TakenAt)}, {BackupStatus.Old(o.AgeAt(status.Now))}, {ByteSize.Format(o.SizeBytes)}) in {bucket}"
                : status.OffsiteBackups is null
                    ? $"newest offsite:  unknown ({bucket} cannot be read)"
                    : $"newest offsite:  none in {bucket}");
        await output.WriteLineAsync($"backup folder:   {status.BackupDirectory}");
    }

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static JsonStatus ToJson(BackupStatus status) => new(
        status.Ok ? "OK" : "CRITICAL",
        status.Ok,
        status.Headline,
        status.Problems,
        status.BackupDirectory,
        status.Now,
        status.Options.MaxBackupAge.TotalHours,
        status.Options.MaxVerifiedAge.TotalHours,
        status.NewestBackup is { } b ? new JsonBackup(b.FileName, b.TakenAt, (long)Math.Floor(b.AgeAt(status.Now).TotalSeconds), b.SizeBytes, null) : null,
        status.NewestVerified is { } v
            ? new JsonBackup(v.Backup.FileName, v.Backup.TakenAt, (long)Math.Floor(v.Backup.AgeAt(status.Now).TotalSeconds), v.Backup.SizeBytes, v.Verification.VerifiedAt) { Warnings = v.Verification.Warnings ?? [] }
            : null)
    {
        Bucket = status.OffsiteLocation,
        MaxOffsiteAgeHours = status.OffsiteLocation is null ? null : status.Options.MaxOffsiteAge?.TotalHours,
        NewestOffsite = status.NewestOffsite is { } o ? new JsonBackup(o.FileName, o.TakenAt, (long)Math.Floor(o.AgeAt(status.Now).TotalSeconds), o.SizeBytes, null) : null,
    };

    private sealed record JsonStatus(
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("ok")] bool Ok,
        [property: JsonPropertyName("summary")] string Summary,
        [property: JsonPropertyName("problems")] IReadOnlyList<string> Problems,
        [property: JsonPropertyName("backupDirectory")] string BackupDirectory,
        [property: JsonPropertyName("checkedAt")] DateTimeOffset CheckedAt,
        [property: JsonPropertyName("maxAgeHours")] double MaxAgeHours,
        [property: JsonPropertyName("maxVerifiedAgeHours")] double MaxVerifiedAgeHours,
        [property: JsonPropertyName("newestBackup")] JsonBackup? NewestBackup,
        [property: JsonPropertyName("newestVerified")] JsonBackup? NewestVerified)
    {
        /// <summary>The bucket judged (s3://bucket/prefix), or null without one.</summary>
        [JsonPropertyName("bucket")]
        public string? Bucket { get; init; }

        /// <summary>The offsite limit in force, or null when no bucket is set or the check is off.</summary>
        [JsonPropertyName("maxOffsiteAgeHours")]
        public double? MaxOffsiteAgeHours { get; init; }

        /// <summary>The newest backup in the bucket, or null (no bucket, none there, or it could not be read).</summary>
        [JsonPropertyName("newestOffsite")]
        public JsonBackup? NewestOffsite { get; init; }
    }

    private sealed record JsonBackup(
        [property: JsonPropertyName("file")] string File,
        [property: JsonPropertyName("takenAt")] DateTimeOffset TakenAt,
        [property: JsonPropertyName("ageSeconds")] long AgeSeconds,
        [property: JsonPropertyName("sizeBytes")] long SizeBytes,
        [property: JsonPropertyName("verifiedAt")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? VerifiedAt)
    {
        [JsonPropertyName("warnings")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<string>? Warnings { get; init; }
    }
}
