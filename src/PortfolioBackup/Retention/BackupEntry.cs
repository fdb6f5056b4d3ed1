namespace PortfolioBackup.Retention;

/// <summary>Which kind of backup a file is, by its name.</summary>
public enum BackupKind
{
    /// <summary>A scheduled or manual backup, <c>backup_YYYYMMDD_HHMMSS.dump</c>; the only kind retention deletes.</summary>
    Regular,

    /// <summary>A safety backup taken before a restore, <c>pre-restore_YYYYMMDD_HHMMSS.dump</c>; retention leaves it alone.</summary>
    PreRestore,
}

/// <summary>One backup file found in the backup folder.</summary>
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
    /// <summary>The manifest path beside the dump.</summary>
    public string ManifestPath => Backup.BackupFileName.ManifestPathFor(Path);

    /// <summary>How old the backup is at <paramref name="now"/>, by the time in its name.</summary>
    public TimeSpan AgeAt(DateTimeOffset now) => now - TakenAt;
}
