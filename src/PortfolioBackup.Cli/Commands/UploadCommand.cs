using System.CommandLine;
using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup upload</c>: copy what the bucket lacks, check it, then prune the bucket by the local rules.</summary>
internal static class UploadCommand
{
    private const string BucketHelp =
        "Set the bucket with BACKUP_S3_BUCKET (and BACKUP_S3_ENDPOINT for DigitalOcean Spaces, MinIO, …; BACKUP_S3_PREFIX,\n" +
        "BACKUP_S3_REGION; credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS SDK's usual chain), e.g.\n" +
        "  BACKUP_S3_BUCKET=my-space BACKUP_S3_ENDPOINT=https://fra1.digitaloceanspaces.com doppler run -- portfolio-backup upload";

    public static Command Create(CliContext context)
    {
        var backupDir = new Option<string?>("--backup-dir") { Description = "The backup folder (default: $BACKUP_DIR).", HelpName = "DIR" };
        var retentionDays = new Option<int?>("--retention-days") { Description = "Remote retention: delete backups older than N days (default: $RETENTION_DAYS or 14).", HelpName = "N" };
        var minBackups = new Option<int?>("--min-backups") { Description = "Remote retention: always keep the newest N (default: $MIN_BACKUPS or 3).", HelpName = "N" };
        var command = new Command(
            "upload",
            "Upload every local backup (and manifest) the bucket lacks, check each copy's size and SHA-256, then prune the bucket by the " +
            "local rules (never its newest verified backup). backup does this itself when BACKUP_S3_BUCKET is set; exit 0 all there, 1 any upload failed.")
        {
            backupDir, retentionDays, minBackups,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = SettingsReader.ReadBackupSettings(context.Environment, new SettingsOverrides
            {
                BackupDirectory = parseResult.GetValue(backupDir),
                RetentionDays = parseResult.GetValue(retentionDays),
                MinBackups = parseResult.GetValue(minBackups),
            });
            var offsite = OffsiteSettingsReader.Read(context.Environment)
                ?? throw new ConfigurationException(["BACKUP_S3_BUCKET is not set (the bucket to upload the backups to)"], BucketHelp);
            return await RunAndReportAsync(context, offsite, settings, cancellationToken);
        });
        return command;
    }

    /// <summary>Runs the offsite job (also after each successful backup) and prints every file's outcome; returns the exit code.</summary>
    internal static async Task<int> RunAndReportAsync(CliContext context, OffsiteSettings offsite, BackupSettings settings, CancellationToken cancellationToken)
    {
        var retention = settings.Retention() with { Trust = Catalog.VerdictTrust.FromEnvironment(context.Environment) };
        await context.Out.WriteLineAsync($"uploading to {offsite.Describe()}");
        var result = await OffsiteJob.RunAsync(offsite, retention, cancellationToken);
        await OffsiteText.WriteAsync(context, result);
        return result.Succeeded ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
