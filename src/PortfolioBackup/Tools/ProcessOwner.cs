using System.Globalization;

namespace PortfolioBackup.Tools;

/// <summary>
/// The mark every child we start carries in its environment (<c>PORTFOLIO_BACKUP_OWNER=pid.starttime</c>): it names the
/// process that owns it, and the start time makes a reused pid a different owner.
/// </summary>
internal static class ProcessOwner
{
    /// <summary>The environment variable holding the owner's mark.</summary>
    public const string Variable = "PORTFOLIO_BACKUP_OWNER";

    /// <summary>This process's mark.</summary>
    public static string Current { get; } = MarkOf(Environment.ProcessId) ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The mark of a running process, or null when there is no such process.</summary>
    public static string? MarkOf(int pid)
    {
        var stat = ReadProc($"/proc/{pid}/stat", new byte[4096]);
        if (stat is null)
        {
            return null;
        }

        // Fields after the command name (which may hold spaces) start with the state, field 3; the start time is field 22.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 && fields[0] != "Z" ? $"{pid}.{fields[19]}" : null;
    }

    /// <summary>True while the process a mark names is still the same running process.</summary>
    public static bool IsAlive(string mark)
    {
        var pid = mark.Split('.')[0];
        return int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && MarkOf(id) == mark;
    }

    /// <summary>The marks carried by running processes (those whose environment we may read), with how many carry each.</summary>
    public static IReadOnlyDictionary<string, int> MarksInUse()
    {
        var marks = new Dictionary<string, int>(StringComparer.Ordinal);
        var prefix = Variable + "=";

        // An environment is small, but a hostile process could make its own large: read a bounded amount.
        var buffer = new byte[256 * 1024];
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            var environment = ReadProc(Path.Combine(directory, "environ"), buffer);
            foreach (var entry in (environment ?? string.Empty).Split('\0'))
            {
                if (entry.StartsWith(prefix, StringComparison.Ordinal))
                {
                    var mark = entry[prefix.Length..];
                    marks[mark] = marks.GetValueOrDefault(mark) + 1;
                }
            }
        }

        return marks;
    }

    private static string? ReadProc(string path, byte[] buffer)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
