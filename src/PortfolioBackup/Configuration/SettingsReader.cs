using System.Globalization;

namespace PortfolioBackup.Configuration;

/// <summary>Reads settings from environment variables (and command-line overrides), reporting every invalid value at once.</summary>
public static class SettingsReader
{
    /// <summary>How to set <c>BACKUP_DIR</c>, shown whenever it is missing.</summary>
    public const string BackupDirectoryHelp =
        "BACKUP_DIR must name the folder that holds the backups (it is created with mode 0700 if missing). For example:\n" +
        "  BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/backup_db.sh\n" +
        "or with secrets from Doppler:\n" +
        "  doppler run -- ./scripts/db_backup/backup_db.sh   (with BACKUP_DIR set in the Doppler config)\n" +
        "or on the command line: portfolio-backup backup --backup-dir /var/backups/portfolio";

    /// <summary>Reads the full backup settings; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    public static BackupSettings ReadBackupSettings(IReadOnlyDictionary<string, string?> environment, SettingsOverrides? overrides = null)
    {
        var problems = new List<string>();
        var directory = overrides?.BackupDirectory is { Length: > 0 } dir ? dir : Get(environment, "BACKUP_DIR");
        var missingDirectory = directory is null;
        if (missingDirectory)
        {
            problems.Add("BACKUP_DIR is not set (expected the path of the folder that holds the backups)");
        }

        var retention = ReadRetention(environment, directory ?? string.Empty, overrides, problems);
        var connection = ReadConnection(environment, overrides, problems);
        var recipients = Encryption.AgeRecipients.Read(environment, problems);
        var container = ReadContainer(environment, overrides?.Container, overrides?.ComposeService, fromEnvironment: true, problems);

        if (problems.Count > 0)
        {
            throw new ConfigurationException(problems, missingDirectory ? BackupDirectoryHelp : null);
        }

        return new BackupSettings
        {
            BackupDirectory = directory!,
            RetentionDays = retention.RetentionDays,
            MinBackups = retention.MinBackups,
            KeepDaily = retention.KeepDaily,
            KeepWeekly = retention.KeepWeekly,
            KeepMonthly = retention.KeepMonthly,
            Connection = connection,
            AgeRecipients = recipients,
            Container = container,
        };
    }

    /// <summary>
    /// Only the retention (RETENTION_DAYS, MIN_BACKUPS, RETENTION_DAILY/WEEKLY/MONTHLY and their overrides) of the folder
    /// <paramref name="backupDirectory"/>, for commands that show retention without backing up (<c>list</c>): a setting they
    /// do not use (the database, the age recipients) cannot fail them. Throws <see cref="ConfigurationException"/> listing
    /// every problem.
    /// </summary>
    public static Retention.RetentionOptions ReadRetention(IReadOnlyDictionary<string, string?> environment, string backupDirectory, SettingsOverrides? overrides = null)
    {
        var problems = new List<string>();
        var retention = ReadRetention(environment, backupDirectory, overrides, problems);
        return problems.Count > 0 ? throw new ConfigurationException(problems) : retention;
    }

    /// <summary>
    /// Where <c>status</c> writes its Prometheus metrics: the <c>--metrics-file</c> given, else <c>STATUS_METRICS_FILE</c>, else
    /// null (none written). A folder is a <see cref="ConfigurationException"/>: the file is replaced whole on every run.
    /// </summary>
    public static string? ReadStatusMetricsFile(IReadOnlyDictionary<string, string?> environment, string? overridePath)
    {
        var (path, source) = !string.IsNullOrWhiteSpace(overridePath) ? (overridePath, "--metrics-file") : (Get(environment, "STATUS_METRICS_FILE"), "STATUS_METRICS_FILE");
        if (path is null)
        {
            return null;
        }

        return Directory.Exists(path) || path.EndsWith('/')
            ? throw new ConfigurationException([$"{source} {path} is a folder; name the file to write, e.g. /var/lib/prometheus/node-exporter/portfolio_backup.prom"])
            : path;
    }

    /// <summary>
    /// The container <c>--container</c> or <c>--compose-service</c> name, found by the same rule as a backup's (the compose
    /// project from COMPOSE_PROJECT_NAME or the compose file's folder); null when neither is given.
    /// </summary>
    /// <remarks>Both given is a <see cref="ConfigurationException"/>.</remarks>
    public static Containers.ContainerSelector? ReadContainer(IReadOnlyDictionary<string, string?> environment, string? container, string? composeService)
    {
        var problems = new List<string>();
        var selector = ReadContainer(environment, container, composeService, fromEnvironment: false, problems);
        return problems.Count > 0 ? throw new ConfigurationException(problems) : selector;
    }

    // The container that holds the database: the options given, else (for a backup) BACKUP_CONTAINER or
    // BACKUP_COMPOSE_SERVICE; the compose project is the current folder's, as docker compose names it (ComposeProject).
    private static Containers.ContainerSelector? ReadContainer(
        IReadOnlyDictionary<string, string?> environment, string? container, string? composeService, bool fromEnvironment, List<string> problems)
    {
        var (name, service) = container is { Length: > 0 } || composeService is { Length: > 0 } || !fromEnvironment
            ? (container is { Length: > 0 } ? container : null, composeService is { Length: > 0 } ? composeService : null)
            : (Get(environment, "BACKUP_CONTAINER"), Get(environment, "BACKUP_COMPOSE_SERVICE"));
        if (name is not null && service is not null)
        {
            problems.Add("BACKUP_CONTAINER and BACKUP_COMPOSE_SERVICE (or --container and --compose-service) both name the database's container; give one of them");
            return null;
        }

        if (name is null && service is null)
        {
            return null;
        }

        var project = Compose.ComposeProject.NameOf(environment, Environment.CurrentDirectory);
        return new Containers.ContainerSelector { Name = name, ComposeService = service, ComposeProject = service is null ? null : project, ExecUser = Get(environment, "BACKUP_CONTAINER_USER") };
    }

    /// <summary>Reads only the connection settings (DB_* with libpq PG* fallbacks); throws <see cref="ConfigurationException"/> listing every problem.</summary>
    public static ConnectionSettings ReadConnection(IReadOnlyDictionary<string, string?> environment, SettingsOverrides? overrides = null)
    {
        var problems = new List<string>();
        var connection = ReadConnection(environment, overrides, problems);
        if (problems.Count > 0)
        {
            throw new ConfigurationException(problems);
        }

        return connection;
    }

    /// <summary>The backup folder from the override or <c>BACKUP_DIR</c>; throws <see cref="ConfigurationException"/> with help when neither is set.</summary>
    public static string RequireBackupDirectory(IReadOnlyDictionary<string, string?> environment, string? overrideDir)
    {
        if (!string.IsNullOrWhiteSpace(overrideDir))
        {
            return overrideDir;
        }

        return Get(environment, "BACKUP_DIR")
            ?? throw new ConfigurationException(["BACKUP_DIR is not set (expected the path of the folder that holds the backups)"], BackupDirectoryHelp);
    }

    private static Retention.RetentionOptions ReadRetention(IReadOnlyDictionary<string, string?> environment, string backupDirectory, SettingsOverrides? overrides, List<string> problems) => new()
    {
        BackupDirectory = backupDirectory,

        // Bounded so the age arithmetic can never overflow after a dump has already been written.
        RetentionDays = ReadInt(environment, "RETENTION_DAYS", "--retention-days", overrides?.RetentionDays, 14, 0, Retention.RetentionOptions.MaxRetentionDays,
            "a whole number of days, 0 or more and at most 36500", problems),
        MinBackups = ReadInt(environment, "MIN_BACKUPS", "--min-backups", overrides?.MinBackups, 3, 1, int.MaxValue, "a whole number, 1 or more", problems),
        KeepDaily = ReadInt(environment, "RETENTION_DAILY", "--keep-daily", overrides?.KeepDaily, 0, 0, 100_000, "a whole number of days, 0 (off) to 100000", problems),
        KeepWeekly = ReadInt(environment, "RETENTION_WEEKLY", "--keep-weekly", overrides?.KeepWeekly, 0, 0, 100_000, "a whole number of weeks, 0 (off) to 100000", problems),
        KeepMonthly = ReadInt(environment, "RETENTION_MONTHLY", "--keep-monthly", overrides?.KeepMonthly, 0, 0, 100_000, "a whole number of months, 0 (off) to 100000", problems),
    };

    private static ConnectionSettings ReadConnection(IReadOnlyDictionary<string, string?> environment, SettingsOverrides? overrides, List<string> problems)
    {
        var defaults = new ConnectionSettings();
        var host = overrides?.Host is { Length: > 0 } h ? h : GetWithFallback(environment, "DB_HOST", "PGHOST") ?? defaults.Host;
        var user = overrides?.User is { Length: > 0 } u ? u : GetWithFallback(environment, "DB_USER", "PGUSER") ?? defaults.User;
        var database = overrides?.Database is { Length: > 0 } d ? d : GetWithFallback(environment, "DB_NAME", "PGDATABASE") ?? defaults.Database;
        var portVariable = Get(environment, "DB_PORT") is not null ? "DB_PORT" : "PGPORT";
        var port = ReadInt(environment, portVariable, "--port", overrides?.Port, defaults.Port, 1, 65535, "a TCP port number from 1 to 65535", problems);

        // An empty DB_PASSWORD means "none", so trust and .pgpass setups can leave it blank in a .env file.
        var password = GetWithFallback(environment, "DB_PASSWORD", "PGPASSWORD");
        var passFile = Get(environment, "PGPASSFILE");
        return new ConnectionSettings
        {
            Host = host,
            Port = port,
            User = user,
            Database = database,
            Password = password,
            PassFile = passFile,
        };
    }

    private static int ReadInt(IReadOnlyDictionary<string, string?> environment, string variable, string flag, int? overrideValue,
        int defaultValue, int min, int max, string expected, List<string> problems)
    {
        if (overrideValue is { } given)
        {
            if (given < min || given > max)
            {
                problems.Add($"{flag} {given.ToString(CultureInfo.InvariantCulture)} is out of range (expected {expected})");
            }

            return given;
        }

        var text = Get(environment, variable);
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            problems.Add($"{variable}='{text}' is not a whole number (expected {expected})");
            return defaultValue;
        }

        if (value < min || value > max)
        {
            problems.Add($"{variable}={text} is out of range (expected {expected})");
        }

        return value;
    }

    private static string? GetWithFallback(IReadOnlyDictionary<string, string?> environment, string name, string libpqName) =>
        Get(environment, name) ?? Get(environment, libpqName);

    private static string? Get(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}
