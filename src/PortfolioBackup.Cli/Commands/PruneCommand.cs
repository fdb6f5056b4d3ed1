using System.CommandLine;
using System.Globalization;
using PortfolioBackup.Catalog;
using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;
using PortfolioBackup.Retention;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup prune</c>: deletes regular backups past RETENTION_DAYS, always keeping the newest MIN_BACKUPS.</summary>
internal static class PruneCommand
{
    public static Command Create(CliContext context)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deleted; delete nothing." };
        var backupDir = new Option<string?>("--backup-dir") { Description = "The backup folder (overrides BACKUP_DIR)." };
        var retentionDays = new Option<int?>("--retention-days") { Description = "Delete regular backups older than N days (overrides RETENTION_DAYS, default 14; 0 keeps only the newest MIN_BACKUPS)." };
        var minBackups = new Option<int?>("--min-backups") { Description = "Always keep the newest N regular backups (overrides MIN_BACKUPS, default 3)." };
        var keepDaily = new Option<int?>("--keep-daily") { Description = "Also keep the newest backup of each of the newest N days (overrides RETENTION_DAILY; 0 off)." };
        var keepWeekly = new Option<int?>("--keep-weekly") { Description = "Also keep the newest backup of each of the newest N ISO weeks (overrides RETENTION_WEEKLY; 0 off)." };
        var keepMonthly = new Option<int?>("--keep-monthly") { Description = "Also keep the newest backup of each of the newest N months (overrides RETENTION_MONTHLY; 0 off)." };
        var command = new Command(
            "prune",
            "Delete regular backups (backup_YYYYMMDD_HHMMSS.dump and its manifest) older than the retention, always keeping the newest MIN_BACKUPS. " +
            "Other files, pre-restore_ safety backups and symlinks are never touched.")
        {
            dryRun,
            backupDir,
            retentionDays,
            minBackups,
            keepDaily,
            keepWeekly,
            keepMonthly,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = SettingsReader.ReadBackupSettings(context.Environment, new SettingsOverrides
            {
                BackupDirectory = parseResult.GetValue(backupDir),
                RetentionDays = parseResult.GetValue(retentionDays),
                MinBackups = parseResult.GetValue(minBackups),
                KeepDaily = parseResult.GetValue(keepDaily),
                KeepWeekly = parseResult.GetValue(keepWeekly),
                KeepMonthly = parseResult.GetValue(keepMonthly),
            });
            return await PruneAndReportAsync(context, settings, parseResult.GetValue(dryRun), cancellationToken);
        });
        return command;
    }

    /// <summary>Applies the retention policy (also after each successful backup) and prints every decision; returns the exit code.</summary>
    internal static async Task<int> PruneAndReportAsync(CliContext context, BackupSettings settings, bool dryRun, CancellationToken cancellationToken)
    {
        var trust = VerdictTrust.FromEnvironment(context.Environment);
        var bucket = await BucketVerdicts.ReadAsync(context.Environment, cancellationToken: cancellationToken);
        foreach (var warning in bucket.Warnings)
        {
            await context.Error.WriteLineAsync($"warning: {warning}");
        }

        var result = await Pruner.PruneAsync(
            settings.Retention() with { DryRun = dryRun, BucketVerdicts = bucket.Verdicts, Trust = trust },
            cancellationToken);
        return await ReportAsync(context, result, settings);
    }

    /// <summary>Prints every decision of a prune (or of the backup job's prune) and returns the exit code.</summary>
    internal static async Task<int> ReportAsync(CliContext context, RetentionResult result, BackupSettings settings)
    {
        var output = context.Out;
        foreach (var warning in result.Warnings)
        {
            await context.Error.WriteLineAsync($"warning: {warning}");
        }

        if (result.NewestVerified is { } verified)
        {
            await output.WriteLineAsync(
                $"note: {verified.Backup.FileName} is the newest verified backup (healthy {verified.Verification.VerifiedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC); it is never pruned");
        }

        foreach (var decision in result.Ignored)
        {
            // The reason reads "ignored: <why>"; the file's name goes after the label.
            await output.WriteLineAsync($"ignored: {decision.Backup.FileName} ({decision.Reason["ignored: ".Length..]}); not counted as a backup, never deleted");
        }

        if (result.SymlinkedFrom is not null)
        {
            await output.WriteLineAsync($"note: {result.SymlinkedFrom} is a symlink; pruning its target {result.BackupDirectory}");
        }

        var verb = result.DryRun ? "would delete" : "deleted";
        foreach (var decision in result.Deleted)
        {
            await output.WriteLineAsync($"{verb} {decision.Backup.FileName} ({decision.Reason})");
        }

        if (result.DryRun)
        {
            foreach (var decision in result.Kept)
            {
                await output.WriteLineAsync($"would keep {decision.Backup.FileName} ({decision.Reason})");
            }
        }

        foreach (var failure in result.Failed)
        {
            await context.Error.WriteLineAsync($"error: could not delete {failure.Path}: {failure.Problem}");
        }

        var policy = settings.DescribeRetention();
        var freed = result.Deleted.Count == 0 ? "" : $" ({ByteSize.Format(result.FreedBytes)})";
        var summary = result.DryRun
            ? $"dry run: would delete {Count(result.Deleted.Count)}{freed}, keep {Count(result.Kept.Count)} in {result.BackupDirectory} ({policy}); nothing was deleted"
            : result.Deleted.Count == 0 && result.Failed.Count == 0
                ? $"nothing to prune: kept {Count(result.Kept.Count)} in {result.BackupDirectory} ({policy})"
                : $"deleted {Count(result.Deleted.Count)}{freed}, kept {Count(result.Kept.Count)} in {result.BackupDirectory} ({policy})";
        await output.WriteLineAsync(summary);

        if (!result.Succeeded)
        {
            await context.Error.WriteLineAsync(
                $"error: {result.Failed.Count.ToString(CultureInfo.InvariantCulture)} deletion(s) failed; check the folder's permissions and run prune again");
            return ExitCodes.Failed;
        }

        return ExitCodes.Ok;
    }

    private static string Count(int n) => n == 1 ? "1 backup" : n.ToString(CultureInfo.InvariantCulture) + " backups";
}
