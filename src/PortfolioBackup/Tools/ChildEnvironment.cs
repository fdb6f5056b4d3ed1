namespace PortfolioBackup.Tools;

/// <summary>The environment a child starts with: ours plus the invocation's, or, for servers, only what a server needs.</summary>
internal static class ChildEnvironment
{
    /// <summary>
    /// The changes to apply to the inherited environment (null removes a variable): always our owner mark and AGE_IDENTITY
    /// removed; for a minimal
    /// environment, everything of ours removed except PATH, LANG, LANGUAGE, LC_* and TZ, and HOME set to the run account's.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> For(ToolInvocation invocation)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (invocation.MinimalEnvironment)
        {
            foreach (var (name, _) in EnvironmentVariables.Current())
            {
                if (!IsKept(name))
                {
                    result[name] = null;
                }
            }

            result["HOME"] = invocation.RunAsUser is { } user && OperatingSystemIdentity.IsRoot
                ? HomeOf(user) ?? "/"
                : Environment.GetEnvironmentVariable("HOME") ?? "/";
        }

        foreach (var (name, value) in invocation.Environment)
        {
            result[name] = value;
        }

        // The secret key that reads encrypted backups goes to age on stdin and to no child in its environment, even if a
        // caller passed it along.
        result["AGE_IDENTITY"] = null;
        result[ProcessOwner.Variable] = ProcessOwner.Current;
        return result;
    }

    private static bool IsKept(string name) =>
        name is "PATH" or "LANG" or "LANGUAGE" or "TZ" || name.StartsWith("LC_", StringComparison.Ordinal);

    /// <summary>The home folder of an account from /etc/passwd, or null when it is not listed there.</summary>
    private static string? HomeOf(string user)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length >= 7 && fields[0] == user)
                {
                    return fields[5];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
