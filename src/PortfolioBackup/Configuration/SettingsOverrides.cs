namespace PortfolioBackup.Configuration;

/// <summary>Values given on the command line; each one set here wins over its environment variable. There is deliberately no password.</summary>
public sealed record SettingsOverrides
{
    /// <summary>Overrides <c>BACKUP_DIR</c>.</summary>
    public string? BackupDirectory { get; init; }

    /// <summary>Overrides <c>RETENTION_DAYS</c>.</summary>
    public int? RetentionDays { get; init; }

    /// <summary>Overrides <c>MIN_BACKUPS</c>.</summary>
    public int? MinBackups { get; init; }

    /// <summary>Overrides <c>RETENTION_DAILY</c>.</summary>
    public int? KeepDaily { get; init; }

    /// <summary>Overrides <c>RETENTION_WEEKLY</c>.</summary>
    public int? KeepWeekly { get; init; }

    /// <summary>Overrides <c>RETENTION_MONTHLY</c>.</summary>
    public int? KeepMonthly { get; init; }

    /// <summary>Overrides <c>DB_HOST</c>.</summary>
    public string? Host { get; init; }

    /// <summary>Overrides <c>DB_PORT</c>.</summary>
    public int? Port { get; init; }

    /// <summary>Overrides <c>DB_USER</c>.</summary>
    public string? User { get; init; }

    /// <summary>Overrides <c>DB_NAME</c>.</summary>
    public string? Database { get; init; }

    /// <summary>Overrides <c>BACKUP_CONTAINER</c> (and any <c>BACKUP_COMPOSE_SERVICE</c>).</summary>
    public string? Container { get; init; }

    /// <summary>Overrides <c>BACKUP_COMPOSE_SERVICE</c> (and any <c>BACKUP_CONTAINER</c>).</summary>
    public string? ComposeService { get; init; }
}
