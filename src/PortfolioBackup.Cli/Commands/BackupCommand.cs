using System.CommandLine;
using System.Globalization;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Configuration;
using PortfolioBackup.Encryption;
using PortfolioBackup.Offsite;
using PortfolioBackup.Verification;
using Spectre.Console;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup backup</c>: one consistent dump plus manifest into BACKUP_DIR.</summary>
internal static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var backupDir = new Option<string?>("--backup-dir") { Description = "Folder for backups (default: $BACKUP_DIR).", HelpName = "DIR" };
        var retentionDays = new Option<int?>("--retention-days") { Description = "Keep backups this many days (default: $RETENTION_DAYS or 14).", HelpName = "N" };
        var minBackups = new Option<int?>("--min-backups") { Description = "Always keep the newest N backups (default: $MIN_BACKUPS or 3).", HelpName = "N" };
        var host = new Option<string?>("--host") { Description = "Database host (default: $DB_HOST, $PGHOST or localhost).", HelpName = "H" };
        var port = new Option<int?>("--port") { Description = "Database port (default: $DB_PORT, $PGPORT or 5432).", HelpName = "P" };
        var username = new Option<string?>("--username") { Description = "Database user (default: $DB_USER, $PGUSER or postgres).", HelpName = "U" };
        var dbname = new Option<string?>("--dbname") { Description = "Database name (default: $DB_NAME, $PGDATABASE or portfolio).", HelpName = "D" };
        var container = new Option<string?>("--container") { Description = "Back up the database inside this running container with its own psql and pg_dump (default: $BACKUP_CONTAINER); no PostgreSQL client or published port on the host.", HelpName = "NAME" };
        var composeService = new Option<string?>("--compose-service") { Description = "Back up inside the running container of this compose service, found by its label (default: $BACKUP_COMPOSE_SERVICE), e.g. db.", HelpName = "SERVICE" };
        var noRowCounts = new Option<bool>("--no-row-counts") { Description = "Skip the exact per-table row counts in the manifest (faster on huge databases)." };
        var verify = new Option<string>("--verify") { Description = "Check the new dump right after writing it: quick (read it natively, every block decompressed, counts and SHA-256 against the manifest) or none.", DefaultValueFactory = _ => "none" };
        verify.AcceptOnlyFromAmong("none", "quick");

        var command = new Command(
            "backup",
            "Dump the database (custom format, consistent snapshot) into BACKUP_DIR as backup_YYYYMMDD_HHMMSS.dump with a manifest of exact row counts " +
            "(encrypted with age as backup_YYYYMMDD_HHMMSS.dump.age when BACKUP_AGE_RECIPIENTS or BACKUP_AGE_RECIPIENTS_FILE is set). " +
            "The password comes only from DB_PASSWORD, PGPASSWORD or a password file (PGPASSFILE, ~/.pgpass).")
        {
            backupDir, retentionDays, minBackups, host, port, username, dbname, container, composeService, noRowCounts, verify,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var overrides = new SettingsOverrides
            {
                BackupDirectory = parseResult.GetValue(backupDir),
                RetentionDays = parseResult.GetValue(retentionDays),
                MinBackups = parseResult.GetValue(minBackups),
                Host = parseResult.GetValue(host),
                Port = parseResult.GetValue(port),
                User = parseResult.GetValue(username),
                Database = parseResult.GetValue(dbname),
                Container = parseResult.GetValue(container),
                ComposeService = parseResult.GetValue(composeService),
            };
            var settings = SettingsReader.ReadBackupSettings(context.Environment, overrides) with { CountRows = !parseResult.GetValue(noRowCounts) };
            context.Facts.Note(new Alerts.JobFacts { Database = settings.Connection.Database });

            // Read before the dump: a bucket misconfigured must not surface only after a long backup.
            var offsite = OffsiteSettingsReader.Read(context.Environment);
            var trust = VerdictTrust.FromEnvironment(context.Environment);
            var bucket = await BucketVerdicts.ReadAsync(context.Environment, cancellationToken: cancellationToken);
            foreach (var warning in bucket.Warnings)
            {
                await context.Error.WriteLineAsync($"warning: {warning}");
            }

            var verifyLines = new List<string>();
            var identity = AgeIdentity.FromEnvironment(context.Environment);
            if (parseResult.GetValue(verify) == "quick" && settings.AgeRecipients.Count > 0 && identity is null)
            {
                throw new ConfigurationException([
                    "--verify quick reads the new backup back, but it is encrypted (BACKUP_AGE_RECIPIENTS) and no identity is set: set AGE_IDENTITY or AGE_IDENTITY_FILE, or leave out --verify quick and verify where the key lives"]);
            }

            Func<string, CancellationToken, Task<bool>>? verifyDump = parseResult.GetValue(verify) == "quick"
                ? (dumpPath, token) => QuickCheckAsync(dumpPath, identity, verifyLines, token)
                : null;
            var job = await RunAsync(context, new BackupJobOptions { Backup = new BackupOptions { Settings = settings }, Verify = verifyDump, BucketVerdicts = bucket.Verdicts, Trust = trust }, cancellationToken);
            context.Facts.Note(new Alerts.JobFacts { File = Path.GetFileName(job.Backup.DumpPath) });
            await Report(context, job.Backup);
            foreach (var line in verifyLines)
            {
                await context.Out.WriteLineAsync(line);
            }

            if (job.Verified == false)
            {
                // An unreadable new backup must not be the reason older, good backups are pruned.
                await context.Error.WriteLineAsync($"error: the new backup {job.Backup.DumpPath} failed its quick verification; retention was not run. Check the disk and the server's logs, then take a new backup.");
                return ExitCodes.Failed;
            }

            // Retention ran only after a backup that succeeded, under the same lock: a failing backup job never erases older good backups.
            int pruned;
            if (job.RetentionRefused is { } refused)
            {
                await context.Error.WriteLineAsync($"error: {refused}");
                pruned = ExitCodes.Failed;
            }
            else
            {
                pruned = await PruneCommand.ReportAsync(context, job.Retention!, settings);
            }

            if (offsite is null)
            {
                return pruned;
            }

            // Offsite after the local prune: a failed upload keeps every local backup and exits non-zero so cron mails it.
            // From here a failure is the copy off the droplet, not the backup, which is safe in the folder.
            if (pruned == ExitCodes.Ok)
            {
                context.Facts.Note(new Alerts.JobFacts { Event = "upload-failed" });
            }

            var uploaded = await UploadCommand.RunAndReportAsync(context, offsite, settings, cancellationToken);
            return pruned != ExitCodes.Ok ? pruned : uploaded;
        });
        return command;
    }

    private static async Task<BackupJobResult> RunAsync(CliContext context, BackupJobOptions job, CancellationToken cancellationToken)
    {
        var settings = job.Backup.Settings;
        if (!context.IsTerminal)
        {
            await context.Out.WriteLineAsync($"backing up {settings.DescribeSource()} into {settings.BackupDirectory}");
            return await BackupJob.RunAsync(job, cancellationToken);
        }

        return await context.Console.Status().Spinner(Spinner.Known.Dots).StartAsync(
            Markup.Escape($"backing up {settings.DescribeSource()}"),
            status => BackupJob.RunAsync(
                job with { Backup = job.Backup with { Progress = phase => status.Status(Markup.Escape(phase)) } },
                cancellationToken));
    }

    private static async Task<bool> QuickCheckAsync(string dumpPath, AgeIdentity? identity, List<string> lines, CancellationToken cancellationToken)
    {
        var verdict = await QuickVerifier.VerifyDumpAsync(dumpPath, new QuickVerificationOptions { Identity = identity }, cancellationToken);
        lines.AddRange(verdict.Checks.Select(check => $"  verify: {VerdictText.Line(check)}"));
        return verdict.Healthy;
    }

    private static async Task Report(CliContext context, BackupResult result)
    {
        var rows = result.TotalRows is { } total
            ? $"{result.Tables.ToString(CultureInfo.InvariantCulture)} tables, {total.ToString("N0", CultureInfo.InvariantCulture)} rows (exact, same snapshot)"
            : "row counts skipped (--no-row-counts)";
        await context.Out.WriteLineAsync($"backup written: {result.DumpPath}");
        await context.Out.WriteLineAsync($"  from:     {result.Source} ({result.Manifest.PgDumpVersion}, server {result.Manifest.ServerVersion})");
        await context.Out.WriteLineAsync($"  size:     {ByteSize.Format(result.SizeBytes)} ({result.SizeBytes.ToString(CultureInfo.InvariantCulture)} bytes)");
        await context.Out.WriteLineAsync($"  sha256:   {result.Sha256}");
        if (result.Manifest.Encryption is { } encryption)
        {
            await context.Out.WriteLineAsync($"  encrypted: age, for {AgeRecipients.Describe(encryption.Recipients)}");
            await context.Out.WriteLineAsync($"  plaintext: {ByteSize.Format(encryption.PlaintextSizeBytes)}, sha256 {encryption.PlaintextSha256} (never written to disk)");
        }

        await context.Out.WriteLineAsync($"  tables:   {rows}");
        await context.Out.WriteLineAsync($"  manifest: {result.ManifestPath}");
        await context.Out.WriteLineAsync($"  duration: {result.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        foreach (var leftover in result.RemovedLeftovers)
        {
            await context.Out.WriteLineAsync($"removed {leftover}, left by an interrupted backup");
        }
    }
}
