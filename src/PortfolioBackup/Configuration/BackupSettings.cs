namespace PortfolioBackup.Configuration;

/// <summary>Everything a backup run needs: where backups go, how long they are kept, and which database to read.</summary>
public sealed record BackupSettings
{
    /// <summary>The folder holding <c>backup_*.dump</c> files (<c>BACKUP_DIR</c>).</summary>
    public required string BackupDirectory { get; init; }

    /// <summary>Backups older than this many days may be pruned (<c>RETENTION_DAYS</c>).</summary>
    public int RetentionDays { get; init; } = 14;

    /// <summary>The newest this many backups are always kept, whatever their age (<c>MIN_BACKUPS</c>).</summary>
    public int MinBackups { get; init; } = 3;

    /// <summary>The newest backup of each of the newest N days is kept too (<c>RETENTION_DAILY</c>; 0 off).</summary>
    public int KeepDaily { get; init; }

    /// <summary>The newest backup of each of the newest N ISO weeks is kept too (<c>RETENTION_WEEKLY</c>; 0 off).</summary>
    public int KeepWeekly { get; init; }

    /// <summary>The newest backup of each of the newest N months is kept too (<c>RETENTION_MONTHLY</c>; 0 off).</summary>
    public int KeepMonthly { get; init; }

    /// <summary>The retention these settings ask for, the one way every prune (local, after a backup, in the bucket) is configured.</summary>
    public Retention.RetentionOptions Retention() => new()
    {
        BackupDirectory = BackupDirectory,
        RetentionDays = RetentionDays,
        MinBackups = MinBackups,
        KeepDaily = KeepDaily,
        KeepWeekly = KeepWeekly,
        KeepMonthly = KeepMonthly,
    };

    /// <summary>"retention 14 d, newest 3 always kept[, daily 7, weekly 4, monthly 12]", as prune and upload print it.</summary>
    public string DescribeRetention() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"retention {RetentionDays} d, newest {MinBackups} always kept") +
        (KeepDaily > 0 ? $", daily {KeepDaily}" : string.Empty) + (KeepWeekly > 0 ? $", weekly {KeepWeekly}" : string.Empty) + (KeepMonthly > 0 ? $", monthly {KeepMonthly}" : string.Empty);

    /// <summary>The database to back up; with <see cref="Container"/>, only its user, database and password are used.</summary>
    public ConnectionSettings Connection { get; init; } = new();

    /// <summary>
    /// The running container that holds the database (BACKUP_CONTAINER, BACKUP_COMPOSE_SERVICE): the backup runs its own psql
    /// and pg_dump there; null backs up the server at <see cref="Connection"/> with the host's pg_dump.
    /// </summary>
    public Containers.ContainerSelector? Container { get; init; }

    /// <summary>What is backed up, for messages: "host:port/db as user" or "db in compose service db as user".</summary>
    public string DescribeSource() => Container is { } container ? $"{Connection.Database} in {container.Describe()} as {Connection.User}" : Connection.Describe();

    /// <summary>
    /// The age public keys (<c>age1…</c>) the dump is encrypted for (<c>BACKUP_AGE_RECIPIENTS</c> or
    /// <c>BACKUP_AGE_RECIPIENTS_FILE</c>); empty writes a plain <c>.dump</c>.
    /// </summary>
    public IReadOnlyList<string> AgeRecipients { get; init; } = [];

    /// <summary>Whether to count every table's rows exactly for the manifest.</summary>
    public bool CountRows { get; init; } = true;
}
