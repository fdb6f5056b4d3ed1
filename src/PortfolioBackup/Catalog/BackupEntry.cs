namespace PortfolioBackup.Catalog;

/// <summary>Which kind of backup a file is, by its name.</summary>
public enum BackupKind
{
    /// <summary>A scheduled or manual backup, <c>backup_YYYYMMDD_HHMMSS.dump</c>; the only kind retention deletes.</summary>
    Regular,

    /// <summary>A safety backup taken before a restore, <c>pre-restore_YYYYMMDD_HHMMSS.dump</c>; retention leaves it alone.</summary>
    PreRestore,
}

/// <summary>One file or object named like a backup, in a backup folder or a bucket: an entry of the catalog.</summary>
/// <param name="Path">Full path of the dump file (inside the resolved backup folder).</param>
/// <param name="FileName">The file name without folder.</param>
/// <param name="TakenAt">The UTC time written in the file name (not the file's modification time).</param>
/// <param name="SizeBytes">The dump's size; for a symlink the size of what it points to, 0 when dangling.</param>
/// <param name="HasManifest">Whether <c>….dump.manifest.json</c> exists beside it.</param>
/// <param name="IsSymlink">Whether the entry is a symbolic link; retention never follows or deletes it.</param>
/// <param name="Kind">Regular or pre-restore safety backup.</param>
public sealed record BackupEntry(
    string Path,
    string FileName,
    DateTimeOffset TakenAt,
    long SizeBytes,
    bool HasManifest,
    bool IsSymlink,
    BackupKind Kind)
{
    /// <summary>
    /// How far in the future a name may be dated and still count: clocks of the machines that take and check backups drift
    /// by seconds, and a few minutes of slack keeps an NTP step from flagging the backup just taken.
    /// </summary>
    public static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Why the file is named like a backup but is not one by <see cref="BackupRule"/> (empty, not what its name promises, no
    /// manifest or one that does not describe it, not a regular file), or null.
    /// </summary>
    public string? ContentProblem { get; init; }

    /// <summary>Where the backup lies; for <see cref="BackupLocation.Bucket"/>, <see cref="Path"/> is the object key.</summary>
    public BackupLocation Location { get; init; } = BackupLocation.Local;

    /// <summary>The SHA-256 its manifest records (in a bucket: the one our upload recorded too), or null without a manifest.</summary>
    public string? Sha256 { get; init; }

    /// <summary>The database its manifest names, or null without a manifest.</summary>
    public string? Database { get; init; }

    /// <summary>Whether it counts as a backup at <paramref name="now"/>: named like one, proven by <see cref="BackupRule"/>, not dated in the future.</summary>
    public bool CountsAt(DateTimeOffset now) => IgnoredReasonAt(now) is null;

    /// <summary>The manifest path beside the dump.</summary>
    public string ManifestPath => Backup.BackupFileName.ManifestPathFor(Path);

    /// <summary>How old the backup is at <paramref name="now"/>, by the time in its name.</summary>
    public TimeSpan AgeAt(DateTimeOffset now) => now - TakenAt;

    /// <summary>Whether its name is dated later than <paramref name="now"/> plus <see cref="ClockSkewAllowance"/>.</summary>
    public bool IsFutureDatedAt(DateTimeOffset now) => TakenAt > now + ClockSkewAllowance;

    /// <summary>
    /// Why this file never counts as a backup at <paramref name="now"/> (it is never the newest, never counts towards
    /// MIN_BACKUPS and is never deleted), or null for a real backup.
    /// </summary>
    public string? IgnoredReasonAt(DateTimeOffset now) =>
        ContentProblem ?? (IsFutureDatedAt(now)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"dated in the future ({TakenAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, now {now.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC): a wrong clock or a stray copy")
            : null);
}
