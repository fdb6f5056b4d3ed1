using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;
using PortfolioBackup.Retention;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup list</c>: the backups in the folder, newest first, with age, size, manifest and kind.</summary>
internal static class ListCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        var backupDir = new Option<string?>("--backup-dir") { Description = "The backup folder (overrides BACKUP_DIR)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array (file, takenAt, ageSeconds, sizeBytes, hasManifest, kind, isSymlink, lastVerification, location)." };
        var remote = new Option<bool>("--remote") { Description = "Also list the backups in the bucket (BACKUP_S3_BUCKET, BACKUP_S3_PREFIX, …)." };
        var command = new Command("list", "List the backups (backup_… and pre-restore_…) in the backup folder, newest first; verdicts from the bucket count when BACKUP_S3_BUCKET is set.")
        {
            backupDir,
            json,
            remote,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var directory = SettingsReader.RequireBackupDirectory(context.Environment, parseResult.GetValue(backupDir));
            var entries = await BackupCatalog.ListAsync(directory, cancellationToken);
            var ledger = await VerificationLedger.LoadAsync(directory, cancellationToken);
            foreach (var warning in ledger.Unreadable is null ? ledger.Warnings : [.. ledger.Warnings, ledger.Unreadable])
            {
                await context.Error.WriteLineAsync($"warning: {warning}");
            }

            var (remoteVerdicts, remoteWarnings) = await BucketVerdicts.LoadAsync(context.Environment, cancellationToken);
            foreach (var warning in remoteWarnings)
            {
                await context.Error.WriteLineAsync($"warning: {warning}");
            }

            var verdicts = VerifiedBackups.LastVerdicts([.. ledger.Entries, .. remoteVerdicts]);
            (string Location, IReadOnlyList<RemoteBackup> Backups)? bucket = null;
            string? bucketError = null;
            try
            {
                bucket = parseResult.GetValue(remote) ? await RemoteListing.ReadAsync(context.Environment, cancellationToken) : null;
            }
            catch (OffsiteException ex)
            {
                // The local folder still answers; the exit code says the bucket's half is missing.
                bucketError = ex.Message;
            }

            var now = DateTimeOffset.UtcNow;
            if (parseResult.GetValue(json))
            {
                var remoteRows = (bucket?.Backups ?? []).Select(b => new JsonRow(
                    b.Name,
                    b.TakenAt,
                    (long)Math.Floor((now - b.TakenAt).TotalSeconds),
                    b.SizeBytes,
                    b.HasManifest,
                    b.Name.StartsWith(Backup.BackupFileName.PreRestorePrefix, StringComparison.Ordinal) ? "pre-restore" : "regular",
                    false,
                    verdicts.TryGetValue(b.Name, out var rv) ? new JsonVerification(rv.Healthy, rv.VerifiedAt) : null,
                    null)
                { Location = "bucket" });
                var rows = entries.Select(e => new JsonRow(
                    e.FileName,
                    e.TakenAt,
                    (long)Math.Floor(e.AgeAt(now).TotalSeconds),
                    e.SizeBytes,
                    e.HasManifest,
                    KindText(e.Kind),
                    e.IsSymlink,
                    verdicts.TryGetValue(e.FileName, out var v) ? new JsonVerification(v.Healthy, v.VerifiedAt) : null,
                    e.IgnoredReasonAt(now)));
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(rows.Concat(remoteRows), JsonOptions));
                return await BucketErrorAsync(context, bucketError);
            }

            await WriteTableAsync(context.Out, directory, entries, verdicts, now);
            if (bucket is not null)
            {
                await RemoteListing.WriteTableAsync(context.Out, bucket.Value, verdicts, now);
            }

            return await BucketErrorAsync(context, bucketError);
        });
        return command;
    }

    private static async Task<int> BucketErrorAsync(CliContext context, string? bucketError)
    {
        if (bucketError is null)
        {
            return ExitCodes.Ok;
        }

        await context.Error.WriteLineAsync($"error: the bucket's backups are not listed: {bucketError}");
        return ExitCodes.Failed;
    }

    private static async Task WriteTableAsync(TextWriter output, string directory, IReadOnlyList<BackupEntry> entries, IReadOnlyDictionary<string, LedgerEntry> verdicts, DateTimeOffset now)
    {
        if (entries.Count == 0)
        {
            await output.WriteLineAsync($"no backups in {directory} yet (looking for backup_YYYYMMDD_HHMMSS.dump and pre-restore_YYYYMMDD_HHMMSS.dump, each optionally .age-encrypted)");
            return;
        }

        string[] header = ["FILE", "AGE", "SIZE", "MANIFEST", "KIND", "LAST VERIFICATION"];
        var rows = entries
            .Select(e => new[]
            {
                e.FileName,
                BackupAge.Format(e.AgeAt(now)),
                ByteSize.Format(e.SizeBytes),
                e.HasManifest ? "yes" : "no",
                e.IgnoredReasonAt(now) is null ? KindText(e.Kind) + (e.IsSymlink ? " (symlink)" : "") : "ignored",
                VerdictText(verdicts.GetValueOrDefault(e.FileName)),
            })
            .ToList();
        var widths = header.Select((h, i) => rows.Max(r => r[i].Length) is var w && w > h.Length ? w : h.Length).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
        }

        foreach (var entry in entries.Where(e => e.IgnoredReasonAt(now) is not null))
        {
            await output.WriteLineAsync($"ignored: {entry.FileName} ({entry.IgnoredReasonAt(now)}); not counted as a backup, never deleted");
        }

        var total = entries.Where(e => !e.IsSymlink).Sum(e => e.SizeBytes);
        var count = entries.Count == 1 ? "1 backup" : entries.Count.ToString(CultureInfo.InvariantCulture) + " backups";
        await output.WriteLineAsync($"{count}, {ByteSize.Format(total)} in {directory}");
    }

    internal static string VerdictText(LedgerEntry? verdict) =>
        verdict is null
            ? "never verified"
            : string.Create(
                CultureInfo.InvariantCulture,
                $"{(verdict.Healthy ? "healthy" : "UNHEALTHY")} {verdict.VerifiedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC");

    private static string KindText(BackupKind kind) => kind == BackupKind.PreRestore ? "pre-restore" : "regular";

    private sealed record JsonRow(
        [property: JsonPropertyName("file")] string File,
        [property: JsonPropertyName("takenAt")] DateTimeOffset TakenAt,
        [property: JsonPropertyName("ageSeconds")] long AgeSeconds,
        [property: JsonPropertyName("sizeBytes")] long SizeBytes,
        [property: JsonPropertyName("hasManifest")] bool HasManifest,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("isSymlink")] bool IsSymlink,
        [property: JsonPropertyName("lastVerification")] JsonVerification? LastVerification,
        [property: JsonPropertyName("ignored")] string? Ignored)
    {
        [JsonPropertyName("location")]
        public string Location { get; init; } = "local";
    }

    private sealed record JsonVerification(
        [property: JsonPropertyName("healthy")] bool Healthy,
        [property: JsonPropertyName("verifiedAt")] DateTimeOffset VerifiedAt);
}
