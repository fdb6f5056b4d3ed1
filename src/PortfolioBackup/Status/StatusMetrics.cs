using System.Globalization;
using System.Text;
using PortfolioBackup.Catalog;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Status;

/// <summary>
/// A status check as Prometheus metrics in the text exposition format, for node_exporter's textfile collector: per database
/// (from the manifests), the newest backup, the newest verified backup and its verdict, the newest offsite copy, and the
/// check's own outcome. The file is replaced whole, so the collector never reads half of it.
/// </summary>
public static class StatusMetrics
{
    /// <summary>Every metric's name starts with this.</summary>
    public const string Prefix = "portfolio_backup_";

    // rw-r--r--: node_exporter runs as its own user and only reads the file; nothing in it is secret.
    private const UnixFileMode ReadableByAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The metrics of <paramref name="status"/>, in the text format (families in a fixed order, databases sorted).</summary>
    public static async Task<string> RenderAsync(BackupStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        var now = status.Now;
        var local = status.Backups.Where(e => e.CountsAt(now) && e.Database is not null).ToList();
        var offsite = (status.OffsiteBackups ?? []).Where(e => e.CountsAt(now) && e.Database is not null).ToList();
        var databases = local.Concat(offsite).Select(e => e.Database!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        var rows = new List<DatabaseRow>();
        foreach (var database in databases)
        {
            rows.Add(await RowOfAsync(status, database, local, offsite, cancellationToken));
        }

        var text = new StringBuilder();
        Family(text, rows, "newest_backup_timestamp_seconds", "Time the newest backup in the folder was taken (from its name), in unix seconds.", r => Seconds(r.Newest?.TakenAt));
        Family(text, rows, "newest_backup_size_bytes", "Size of the newest backup in the folder, in bytes.", r => r.Newest?.SizeBytes);
        Family(text, rows, "backups", "Backups in the folder that count as backups (regular and pre-restore).", r => r.Count);
        Family(text, rows, "backups_size_bytes", "Size of all backups in the folder that count as backups, in bytes.", r => r.Bytes);
        Family(text, rows, "newest_verified_timestamp_seconds", "Time the newest backup proven to restore was taken, in unix seconds.", r => Seconds(r.Verified?.Backup.TakenAt));
        Family(text, rows, "newest_verified_verify_duration_seconds", "Wall time of the verification of the newest verified backup, in seconds.", r => r.Verified?.Verification.VerifySeconds);
        Family(text, rows, "newest_verified_restore_duration_seconds", "Wall time of the restore of the newest verified backup during its verification, in seconds.", r => r.Verified?.Verification.RestoreSeconds);
        Family(text, rows, "newest_verified_rows", "Rows in all tables of the newest verified backup after its restore.", r => r.Verified?.Verification.Tables.Values.Sum());
        Family(text, rows, "last_verification_healthy", "Whether the newest trusted verdict on a backup of the database was healthy (1) or not (0).", r => r.LastVerdict is { } v ? (v.Healthy ? 1 : 0) : null);
        Family(text, rows, "last_verification_timestamp_seconds", "Time the newest trusted verdict was reached, in unix seconds.", r => Seconds(r.LastVerdict?.VerifiedAt));
        Family(text, rows, "newest_offsite_timestamp_seconds", "Time the newest backup in the bucket was taken, in unix seconds.", r => Seconds(r.NewestOffsite?.TakenAt));
        if (status.OffsiteLocation is not null)
        {
            Single(text, "offsite_readable", "Whether the configured bucket's backups could be listed (1) or not (0).", status.OffsiteBackups is null ? 0 : 1);
        }

        Single(text, "status_ok", "Whether the status check was OK (1) or CRITICAL (0).", status.Ok ? 1 : 0);
        Single(text, "status_checked_timestamp_seconds", "Time of the status check, in unix seconds.", now.ToUnixTimeMilliseconds() / 1000.0);
        return text.ToString();
    }

    /// <summary>
    /// Writes the metrics of <paramref name="status"/> to <paramref name="path"/> atomically with the durable writer the backups
    /// use (mode 0644, whatever the umask), so a reader sees the old file or the new one, never a part.
    /// Throws <see cref="MetricsFileException"/> when the file cannot be written.
    /// </summary>
    public static async Task WriteAsync(string path, BackupStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var text = await RenderAsync(status, cancellationToken);
        var target = Path.GetFullPath(path);
        try
        {
            await DurableFile.ReplaceAllTextAsync(target, text, ReadableByAll, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MetricsFileException(target, Reason(ex, Path.GetDirectoryName(target)!), ex);
        }
    }

    /// <summary>A label value as the text format needs it: backslash, double quote and line feed escaped.</summary>
    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static async Task<DatabaseRow> RowOfAsync(
        BackupStatus status, string database, IReadOnlyList<BackupEntry> local, IReadOnlyList<BackupEntry> offsite, CancellationToken cancellationToken)
    {
        var mine = local.Where(e => e.Database == database).ToList();

        // The check's newest verified backup is also its database's (nothing newer of that database was proven); any other
        // database's is found the same way, hashing only that database's candidates.
        var verified = status.NewestVerified is { } overall && overall.Backup.Database == database
            ? overall
            : await status.Verdicts.NewestVerifiedAsync(mine, status.Now, cancellationToken);
        var files = mine.Select(e => e.FileName).ToHashSet(StringComparer.Ordinal);
        var lastVerdict = status.Verdicts.All
            .Where(v => v.Trusted && (v.Entry.Database is { } named ? named == database : files.Contains(v.Entry.File)))
            .Select(v => v.Entry)
            .LastOrDefault();
        return new DatabaseRow(
            database,
            BackupCatalog.Newest(mine, status.Now),
            mine.Count,
            mine.Sum(e => e.SizeBytes),
            verified,
            lastVerdict,
            BackupCatalog.Newest(offsite.Where(e => e.Database == database), status.Now));
    }

    private static void Family(StringBuilder text, IReadOnlyList<DatabaseRow> rows, string name, string help, Func<DatabaseRow, double?> value)
    {
        var samples = rows.Select(r => (r.Database, Value: value(r))).Where(s => s.Value is not null).ToList();

        // A family without a sample is left out: its HELP and TYPE alone would only say the metric exists.
        if (samples.Count == 0)
        {
            return;
        }

        Header(text, name, help);
        foreach (var (database, sample) in samples)
        {
            text.Append(Prefix).Append(name).Append("{database=\"").Append(EscapeLabelValue(database)).Append("\"} ").Append(Number(sample!.Value)).Append('\n');
        }
    }

    private static void Single(StringBuilder text, string name, string help, double value)
    {
        Header(text, name, help);
        text.Append(Prefix).Append(name).Append(' ').Append(Number(value)).Append('\n');
    }

    private static void Header(StringBuilder text, string name, string help) =>
        text.Append("# HELP ").Append(Prefix).Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(Prefix).Append(name).Append(" gauge\n");

    private static double? Seconds(DateTimeOffset? time) => time?.ToUnixTimeSeconds();

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Reason(Exception ex, string folder) => ex switch
    {
        DirectoryNotFoundException => $"the folder {folder} does not exist (create it, or name a file in an existing folder)",
        UnauthorizedAccessException => $"no permission to create files in {folder} (the file is replaced by a rename, so the folder must be writable)",
        _ => ex.Message,
    };

    private sealed record DatabaseRow(
        string Database, BackupEntry? Newest, int Count, long Bytes, VerifiedBackup? Verified, LedgerEntry? LastVerdict, BackupEntry? NewestOffsite);
}

/// <summary>The metrics file could not be written (its folder is missing or not writable, the disk is full); the status itself stands.</summary>
public sealed class MetricsFileException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the file and why.</summary>
    public MetricsFileException(string path, string reason, Exception? innerException = null)
        : base($"cannot write the metrics file {path}: {reason}", innerException)
    {
    }
}
