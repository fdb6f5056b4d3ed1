using PortfolioBackup.Configuration;

namespace PortfolioBackup.Backup;

/// <summary>One backup run: the settings, plus the clock (tests pin it) and an optional progress callback.</summary>
public sealed record BackupOptions
{
    /// <summary>Where the backup goes and which database it reads.</summary>
    public required BackupSettings Settings { get; init; }

    /// <summary>The clock that names the backup (UTC seconds).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Called with a short description of each phase ("connecting", "dumping", ...) for spinners and logs.</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>The file name prefix: <see cref="BackupFileName.BackupPrefix"/>, or <see cref="BackupFileName.PreRestorePrefix"/> for safety backups taken before a restore.</summary>
    public string FileNamePrefix { get; init; } = BackupFileName.BackupPrefix;
}
