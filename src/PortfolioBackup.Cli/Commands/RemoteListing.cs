using System.Globalization;
using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;
using PortfolioBackup.Retention;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Cli.Commands;

/// <summary>The bucket's side of <c>list --remote</c>: which backups are offsite, and their last verdict.</summary>
internal static class RemoteListing
{
    /// <summary>The bucket named by BACKUP_S3_BUCKET and its backups, within the lookup budget; a usage error when no bucket is configured.</summary>
    public static async Task<(string Location, IReadOnlyList<RemoteBackup> Backups)> ReadAsync(IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        var settings = OffsiteSettingsReader.Read(environment)
            ?? throw new ConfigurationException(["--remote needs BACKUP_S3_BUCKET (and BACKUP_S3_ENDPOINT, BACKUP_S3_PREFIX, credentials) to know which bucket to list"]);
        return (settings.Describe(), await BucketVerdicts.ReadBoundedAsync(settings, (store, token) => store.ListBackupsAsync(token), cancellationToken));
    }

    public static async Task WriteTableAsync(TextWriter output, (string Location, IReadOnlyList<RemoteBackup> Backups) bucket, IReadOnlyDictionary<string, LedgerEntry> verdicts, DateTimeOffset now)
    {
        await output.WriteLineAsync();
        if (bucket.Backups.Count == 0)
        {
            await output.WriteLineAsync($"no backups in {bucket.Location} yet");
            return;
        }

        string[] header = ["BUCKET FILE", "AGE", "SIZE", "MANIFEST", "LAST VERIFICATION"];
        var rows = bucket.Backups
            .OrderByDescending(b => b.TakenAt)
            .Select(b => new[]
            {
                b.Name,
                BackupAge.Format(now - b.TakenAt),
                ByteSize.Format(b.SizeBytes),
                b.HasManifest ? "yes" : "no",
                ListCommand.VerdictText(verdicts.GetValueOrDefault(b.Name)),
            })
            .ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
        }

        var total = bucket.Backups.Sum(b => b.SizeBytes);
        var count = bucket.Backups.Count == 1 ? "1 backup" : bucket.Backups.Count.ToString(CultureInfo.InvariantCulture) + " backups";
        await output.WriteLineAsync($"{count}, {ByteSize.Format(total)} in {bucket.Location}");
    }
}
