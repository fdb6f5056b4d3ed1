using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioBackup.Catalog;
using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup list</c>: the backups in the folder (and the bucket), newest first, each with its verdict.</summary>
internal static class ListCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        var backupDir = new Option<string?>("--backup-dir") { Description = "The backup folder (overrides BACKUP_DIR)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array (file, takenAt, ageSeconds, sizeBytes, hasManifest, kind, isSymlink, lastVerification, ignored, location, retention)." };
        var remote = new Option<bool>("--remote") { Description = "Also list the backups in the bucket (BACKUP_S3_BUCKET, BACKUP_S3_PREFIX, …)." };
        var command = new Command(
            "list",
            "List the backups (backup_… and pre-restore_…) in the backup folder, newest first, each with why retention (RETENTION_DAYS, MIN_BACKUPS, " +
            "RETENTION_DAILY/WEEKLY/MONTHLY) keeps it or would delete it; verdicts from the bucket count when BACKUP_S3_BUCKET is set.")
        {
            backupDir,
            json,
            remote,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var directory = SettingsReader.RequireBackupDirectory(context.Environment, parseResult.GetValue(backupDir));
            var retention = SettingsReader.ReadRetention(context.Environment, directory) with { Trust = VerdictTrust.FromEnvironment(context.Environment) };
            var withBucket = parseResult.GetValue(remote);
            if (withBucket && OffsiteSettingsReader.Read(context.Environment) is null)
            {
                throw new ConfigurationException(["--remote needs BACKUP_S3_BUCKET (and BACKUP_S3_ENDPOINT, BACKUP_S3_PREFIX, credentials) to know which bucket to list"]);
            }

            var entries = await BackupCatalog.ListAsync(directory, cancellationToken);
            var ledger = await VerificationLedger.LoadAsync(directory, cancellationToken);
            foreach (var warning in ledger.Unreadable is null ? ledger.Warnings : [.. ledger.Warnings, ledger.Unreadable])
            {
                await context.Error.WriteLineAsync($"warning: {warning}");
            }

            // One budget for the bucket's verdicts and its listing together: a silent endpoint costs seconds, once.
            var bucket = await BucketVerdicts.ReadAsync(context.Environment, withBucket, cancellationToken);
            foreach (var warning in bucket.Warnings)
            {
                await context.Error.WriteLineAsync($"warning: {warning}");
            }

            var verdicts = new VerdictBook([.. ledger.Entries, .. bucket.Verdicts.Entries], retention.Trust);
            var now = DateTimeOffset.UtcNow;
            var local = await ListedBackups.OfAsync(entries, verdicts, retention, now, cancellationToken);
            var remoteRows = bucket.Backups is { } objects ? await ListedBackups.OfAsync(objects.Select(b => b.ToEntry()).ToList(), verdicts, retention, now, cancellationToken) : null;
            if (parseResult.GetValue(json))
            {
                var rows = local.Concat(remoteRows ?? []).Select(r => JsonRow.Of(r, now));
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(rows, JsonOptions));
            }
            else
            {
                await ListedBackups.WriteTableAsync(context.Out, directory, local, now);
                if (remoteRows is not null)
                {
                    await context.Out.WriteLineAsync();
                    await ListedBackups.WriteTableAsync(context.Out, bucket.Settings!.Describe(), remoteRows, now);
                }
            }

            if (withBucket && bucket.BackupsProblem is { } problem)
            {
                // The local folder still answered; the exit code says the bucket's half is missing.
                await context.Error.WriteLineAsync($"error: the bucket's backups are not listed: {problem}");
                return ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record JsonRow(
        [property: JsonPropertyName("file")] string File,
        [property: JsonPropertyName("takenAt")] DateTimeOffset TakenAt,
        [property: JsonPropertyName("ageSeconds")] long AgeSeconds,
        [property: JsonPropertyName("sizeBytes")] long SizeBytes,
        [property: JsonPropertyName("hasManifest")] bool HasManifest,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("isSymlink")] bool IsSymlink,
        [property: JsonPropertyName("lastVerification")] JsonVerification? LastVerification,
        [property: JsonPropertyName("ignored")] string? Ignored,
        [property: JsonPropertyName("location")] string Location,
        [property: JsonPropertyName("retention")] JsonRetention Retention)
    {
        public static JsonRow Of(ListedBackup row, DateTimeOffset now) => new(
            row.Entry.FileName,
            row.Entry.TakenAt,
            (long)Math.Floor(row.Entry.AgeAt(now).TotalSeconds),
            row.Entry.SizeBytes,
            row.Entry.HasManifest,
            ListedBackups.KindText(row.Entry.Kind),
            row.Entry.IsSymlink,
            row.Verdict is { } v ? new JsonVerification(v.Entry.Healthy, v.Entry.VerifiedAt, v.Trusted, v.Standing.ToString().ToLowerInvariant()) : null,
            row.Entry.IgnoredReasonAt(now),
            row.Entry.Location == BackupLocation.Bucket ? "bucket" : "local",
            new JsonRetention(row.Retention.Outcome.ToString().ToLowerInvariant(), row.Retention.Decision.Reason))
        {
            VerdictOnOtherBytes = row.VerdictOnOtherBytes ? true : null,
        };

        [JsonPropertyName("verdictOnOtherBytes")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public bool? VerdictOnOtherBytes { get; init; }
    }

    private sealed record JsonRetention(
        [property: JsonPropertyName("decision")] string Decision,
        [property: JsonPropertyName("reason")] string Reason);

    private sealed record JsonVerification(
        [property: JsonPropertyName("healthy")] bool Healthy,
        [property: JsonPropertyName("verifiedAt")] DateTimeOffset VerifiedAt,
        [property: JsonPropertyName("trusted")] bool Trusted,
        [property: JsonPropertyName("standing")] string Standing);
}
