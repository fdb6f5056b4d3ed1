namespace PortfolioBackup.Configuration;

/// <summary>Settings are missing or invalid; the message lists every problem with what is expected (exit code 2 on the command line).</summary>
public sealed class ConfigurationException : PortfolioBackupException
{
    /// <summary>Creates the exception from every problem found at once.</summary>
    public ConfigurationException(IReadOnlyList<string> problems, string? help = null)
        : base(BuildMessage(problems, help))
    {
        Problems = problems;
    }

    /// <summary>Each problem on its own, e.g. "RETENTION_DAYS='abc' is not a whole number of days (expected 0 or more)".</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string BuildMessage(IReadOnlyList<string> problems, string? help)
    {
        var text = problems.Count == 1
            ? $"configuration error: {problems[0]}"
            : "configuration errors:" + string.Concat(problems.Select(p => $"{Environment.NewLine}  - {p}"));
        return help is null ? text : text + Environment.NewLine + Environment.NewLine + help;
    }
}
