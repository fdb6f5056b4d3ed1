namespace PortfolioBackup.Tools;

/// <summary>Who this process runs as; PostgreSQL servers refuse to run as root, so root hands them to an unprivileged account.</summary>
public static class OperatingSystemIdentity
{
    /// <summary>True when the effective user is root.</summary>
    public static bool IsRoot { get; } = Environment.UserName == "root" || ReadEffectiveUid() == 0;

    /// <summary>The effective user id, or -1 where /proc cannot tell.</summary>
    public static int EffectiveUserId { get; } = ReadEffectiveUid();

    private static int ReadEffectiveUid()
    {
        try
        {
            var status = File.ReadAllLines("/proc/self/status");
            var uidLine = status.FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var fields = uidLine?.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 2 } ? int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture) : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
