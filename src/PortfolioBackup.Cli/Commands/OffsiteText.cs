using System.Globalization;
using PortfolioBackup.Offsite;

namespace PortfolioBackup.Cli.Commands;

/// <summary>Prints what an offsite run did: one line per file sent or failed, then the bucket's retention.</summary>
internal static class OffsiteText
{
    public static async Task WriteAsync(CliContext context, OffsiteJobResult result)
    {
        var output = context.Out;
        var upload = result.Upload;
        foreach (var warning in result.Warnings)
        {
            await context.Error.WriteLineAsync($"warning: {warning}");
        }

        foreach (var file in upload.Uploaded)
        {
            await output.WriteLineAsync($"  uploaded  {file.Name} ({ByteSize.Format(file.SizeBytes)}; size and SHA-256 checked in the bucket)");
        }

        foreach (var skip in upload.Skipped)
        {
            await output.WriteLineAsync($"  skipped   {skip.Name}: {skip.Reason}");
        }

        foreach (var failure in upload.Failed)
        {
            await context.Error.WriteLineAsync($"  FAILED    {failure.Name}: {failure.Reason}");
        }

        var present = upload.AlreadyPresent.Count;
        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"offsite: {upload.Uploaded.Count} file(s) uploaded ({ByteSize.Format(upload.UploadedBytes)}), {present} already in {upload.Location}, {upload.Failed.Count} failed"));
        if (!upload.Succeeded)
        {
            await context.Error.WriteLineAsync(
                $"error: not everything reached {result.Location} ({upload.Failed.Count} failed); every local backup is kept and the bucket was not pruned. " +
                "The next backup (or portfolio-backup upload) retries what is missing.");
            return;
        }

        if (result.Retention is not { } retention)
        {
            return;
        }

        foreach (var ignored in retention.Ignored)
        {
            // The reason reads "ignored: <why>"; the object's name goes after the label.
            await output.WriteLineAsync($"  ignored: {ignored.Backup.FileName} in the bucket ({ignored.Reason["ignored: ".Length..]}); not counted as a backup, never deleted");
        }

        foreach (var deleted in retention.Deleted)
        {
            await output.WriteLineAsync($"  deleted from the bucket: {deleted.Backup.FileName} ({deleted.Reason})");
        }

        foreach (var failed in retention.Failed)
        {
            await context.Error.WriteLineAsync($"  FAILED to delete {failed.Path} from the bucket: {failed.Problem}");
        }

        var verified = retention.NewestVerified is { } v ? $"; newest verified {v.Backup.FileName} kept" : "; no verified backup in the bucket yet";
        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"bucket retention: kept {retention.Kept.Count}, deleted {retention.Deleted.Count} ({ByteSize.Format(retention.FreedBytes)}){verified}"));
    }
}
