using System.Globalization;
using CliWrap;

namespace PortfolioBackup.Tests.Lifetime;

/// <summary>What /proc says about processes: children, command lines, environments; for tests that look at what a run left running.</summary>
internal static class ProcFs
{
    public static bool IsAlive(int pid)
    {
        // A zombie has exited: it only waits for its parent to reap it.
        var stat = Read($"/proc/{pid}/stat");
        return stat is not null && !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
    }

    public static string CommandLine(int pid) => (Read($"/proc/{pid}/cmdline") ?? string.Empty).Replace('\0', ' ').Trim();

    public static IReadOnlyList<string> Environment(int pid) =>
        (Read($"/proc/{pid}/environ") ?? string.Empty).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    public static IReadOnlyList<int> Children(int pid)
    {
        var result = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate)
                && Read(Path.Combine(directory, "stat")) is { } stat
                && int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture) == pid)
            {
                result.Add(candidate);
            }
        }

        return result;
    }

    public static IReadOnlyList<int> Descendants(int pid)
    {
        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.TryDequeue(out var next))
        {
            foreach (var child in Children(next))
            {
                result.Add(child);
                queue.Enqueue(child);
            }
        }

        return result;
    }

    /// <summary>Polls until the condition holds or the timeout passes; returns whether it held.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }

    /// <summary>Polls for a descendant of <paramref name="pid"/> whose command line contains the text.</summary>
    public static async Task<int?> WaitForDescendantAsync(int pid, string commandLineContains, TimeSpan timeout)
    {
        int? found = null;
        await WaitUntilAsync(
            () =>
            {
                found = Descendants(pid).Cast<int?>().FirstOrDefault(p => CommandLine(p!.Value).Contains(commandLineContains, StringComparison.Ordinal));
                return found is not null || !IsAlive(pid);
            },
            timeout);
        return found;
    }

    public static void Kill(int pid) => _ = KillSignal(pid, 9);

    public static async Task<string> RunAsNobodyAsync(string program, params string[] arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = new System.Text.StringBuilder();
        var result = await CliWrap.Cli.Wrap("setpriv")
            .WithArguments(["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--", program, .. arguments])
            .WithEnvironmentVariables(new Dictionary<string, string?> { ["PGPASSWORD"] = null, ["PGCONNECT_TIMEOUT"] = "5" })
            .WithWorkingDirectory("/")
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(output))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(output))
            .ExecuteAsync(timeout.Token);
        return $"exit {result.ExitCode}: {output}";
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillSignal(int pid, int signal);
}
