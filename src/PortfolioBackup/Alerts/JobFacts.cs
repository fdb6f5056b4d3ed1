namespace PortfolioBackup.Alerts;

/// <summary>What a job learnt that a notification should name; anything left null is taken from the job's output.</summary>
public sealed record JobFacts
{
    /// <summary>No facts: the notification is built from the job and its output.</summary>
    public static JobFacts None { get; } = new();

    /// <summary>A more specific event than "{job}-failed", e.g. <c>dump-unhealthy</c> or <c>upload-failed</c>.</summary>
    public string? Event { get; init; }

    /// <summary>The database the job was about.</summary>
    public string? Database { get; init; }

    /// <summary>The backup file the job was about.</summary>
    public string? File { get; init; }

    /// <summary>The first failed check, as <c>name: detail</c>.</summary>
    public string? Check { get; init; }

    /// <summary>What went wrong, in one line.</summary>
    public string? Detail { get; init; }

    /// <summary>These facts with every value the other has set taking precedence.</summary>
    public JobFacts With(JobFacts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new JobFacts
        {
            Event = other.Event ?? Event,
            Database = other.Database ?? Database,
            File = other.File ?? File,
            Check = other.Check ?? Check,
            Detail = other.Detail ?? Detail,
        };
    }
}
