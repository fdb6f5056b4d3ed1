using PortfolioBackup.Configuration;

namespace PortfolioBackup.Alerts;

/// <summary>When a notification is sent: only when a job fails (the default), or after every job.</summary>
public enum NotifyOn
{
    /// <summary>Backup failed, upload failed, dump not healthy, status critical.</summary>
    Failure,

    /// <summary>Every outcome, successes included.</summary>
    Always,
}

/// <summary>Where alerts go: dead-man ping URLs (the healthchecks.io protocol) and a JSON webhook.</summary>
public sealed record AlertSettings
{
    /// <summary>The ping URL of backups and uploads.</summary>
    public const string BackupPingVariable = "BACKUP_PING_URL";

    /// <summary>The ping URL of verifications.</summary>
    public const string VerifyPingVariable = "VERIFY_PING_URL";

    /// <summary>The webhook notifications are POSTed to.</summary>
    public const string NotifyUrlVariable = "NOTIFY_URL";

    /// <summary>failure or always.</summary>
    public const string NotifyOnVariable = "NOTIFY_ON";

    // Values that must never leave the machine in a ping body or a notification, whatever a job printed.
    private static readonly string[] SecretVariables =
    [
        "DB_PASSWORD", "PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AGE_IDENTITY", "VERDICT_SIGNING_KEY", "DOPPLER_TOKEN",
        BackupPingVariable, VerifyPingVariable, NotifyUrlVariable,
    ];

    /// <summary>No alerts configured.</summary>
    public static AlertSettings None { get; } = new();

    /// <summary>BACKUP_PING_URL, or null.</summary>
    public Uri? BackupPingUrl { get; init; }

    /// <summary>VERIFY_PING_URL, or null.</summary>
    public Uri? VerifyPingUrl { get; init; }

    /// <summary>NOTIFY_URL, or null.</summary>
    public Uri? NotifyUrl { get; init; }

    /// <summary>NOTIFY_ON.</summary>
    public NotifyOn NotifyOn { get; init; } = NotifyOn.Failure;

    /// <summary>The secret values of this environment, masked in everything an alert carries.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>The name of the machine, as notifications name it.</summary>
    public string Host { get; init; } = Environment.MachineName;

    /// <summary>Whether anything is configured at all.</summary>
    public bool Any => BackupPingUrl is not null || VerifyPingUrl is not null || NotifyUrl is not null;

    /// <summary>The ping URL of a job, or null.</summary>
    public Uri? PingUrlFor(AlertJob job) => job switch
    {
        AlertJob.Backup or AlertJob.Upload => BackupPingUrl,
        AlertJob.Verify => VerifyPingUrl,
        _ => null,
    };

    /// <summary>Reads the alert settings; a URL that is not http(s) or an unknown NOTIFY_ON is a configuration error.</summary>
    public static AlertSettings Read(IReadOnlyDictionary<string, string?> environment)
    {
        var problems = new List<string>();
        var settings = Read(environment, problems);
        return problems.Count > 0 ? throw new ConfigurationException(problems) : settings;
    }

    /// <summary>Reads what can be read, adding each problem to <paramref name="problems"/> (the command decides whether they matter).</summary>
    public static AlertSettings Read(IReadOnlyDictionary<string, string?> environment, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(problems);
        var settings = new AlertSettings
        {
            BackupPingUrl = ReadUrl(environment, BackupPingVariable, problems),
            VerifyPingUrl = ReadUrl(environment, VerifyPingVariable, problems),
            NotifyUrl = ReadUrl(environment, NotifyUrlVariable, problems),
            NotifyOn = Value(environment, NotifyOnVariable)?.ToLowerInvariant() switch
            {
                null or "failure" => NotifyOn.Failure,
                "always" => NotifyOn.Always,
                var other => Problem(problems, $"{NotifyOnVariable}={other} is not 'failure' or 'always'"),
            },
            Secrets = SecretVariables.Select(v => Value(environment, v)).OfType<string>().Where(s => s.Length >= 4).ToList(),
        };
        return settings;
    }

    /// <summary>
    /// The problems among <paramref name="problems"/> (from <see cref="Read(IReadOnlyDictionary{string, string?}, List{string})"/>)
    /// that silence <paramref name="job"/>'s own alarms: its ping URL, NOTIFY_URL, and NOTIFY_ON when NOTIFY_URL is set. A typo in
    /// another job's variable is that job's to refuse, not this one's.
    /// </summary>
    public static IReadOnlyList<string> ProblemsFor(AlertJob job, IReadOnlyList<string> problems, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(problems);
        List<string> used = [NotifyUrlVariable];
        used.AddRange(job switch
        {
            AlertJob.Backup or AlertJob.Upload => [BackupPingVariable],
            AlertJob.Verify => [VerifyPingVariable],
            _ => [],
        });
        if (Value(environment, NotifyUrlVariable) is not null)
        {
            used.Add(NotifyOnVariable);
        }

        return problems.Where(p => used.Any(v => p.StartsWith(v, StringComparison.Ordinal))).ToList();
    }

    /// <summary>A URL as messages show it: scheme, host and port only (the path of a ping URL or a webhook is its secret).</summary>
    public static string Redact(Uri url) => $"{url.Scheme}://{url.Authority}/…";

    private static NotifyOn Problem(List<string> problems, string problem)
    {
        problems.Add(problem);
        return NotifyOn.Failure;
    }

    private static string? Value(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.GetValueOrDefault(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static Uri? ReadUrl(IReadOnlyDictionary<string, string?> environment, string name, List<string> problems)
    {
        if (Value(environment, name) is not { } text)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0)
        {
            return url;
        }

        // The value itself may be a secret (a webhook's path): only its shape is described.
        problems.Add($"{name} is not an http:// or https:// URL (e.g. https://hc-ping.com/<uuid>)");
        return null;
    }
}

/// <summary>The jobs that ping and notify.</summary>
public enum AlertJob
{
    /// <summary>portfolio-backup backup (backup_db.sh).</summary>
    Backup,

    /// <summary>portfolio-backup upload.</summary>
    Upload,

    /// <summary>portfolio-backup verify, test_restore.sh, the nightly job.</summary>
    Verify,

    /// <summary>portfolio-backup status (notifications only).</summary>
    Status,
}
