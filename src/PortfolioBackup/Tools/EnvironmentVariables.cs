using System.Collections;

namespace PortfolioBackup.Tools;

/// <summary>Snapshots of process environments, so settings are resolved from an explicit dictionary that tests can supply.</summary>
public static class EnvironmentVariables
{
    /// <summary>The current process's environment as an ordinal, case-sensitive dictionary.</summary>
    public static IReadOnlyDictionary<string, string?> Current()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = entry.Value as string;
        }

        return result;
    }
}
