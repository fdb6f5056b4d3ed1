using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>
/// Removes what an earlier run of ours left when it was killed and its watchdog too: processes carrying the mark of an
/// owner that is gone (the postmaster and everything it forked) and the cluster and decrypted-dump folders that owner registered.
/// </summary>
internal static class StaleServerCleanup
{
    /// <summary>The file in a cluster's root folder naming its owner's mark.</summary>
    public const string OwnerFile = "owner";

    /// <summary>
    /// The file in a cluster's root folder saying its server was stopped and the folder left for the owner's watchdog to
    /// remove at the owner's exit (<see cref="LocalServerOptions.RemoveFolderAfterExit"/>): a run that finds it first
    /// removes it too, without reporting a killed run.
    /// </summary>
    public const string StoppedFile = "stopped";

    /// <summary>The prefix of every cluster root folder.</summary>
    public const string FolderPrefix = "portfolio-pg-";

    /// <summary>Cleans up after dead owners; returns one line per owner saying what was removed (empty when nothing was).</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(IEnumerable<string> parents, CancellationToken cancellationToken)
    {
        var folders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var parent in parents.Distinct(StringComparer.Ordinal).Where(Directory.Exists))
        {
            foreach (var folder in SafeEnumerate(parent))
            {
                if (ReadOwner(folder) is { } mark && !ProcessOwner.IsAlive(mark))
                {
                    (folders.TryGetValue(mark, out var list) ? list : folders[mark] = []).Add(folder);
                }
            }
        }

        var marks = ProcessOwner.MarksInUse().Keys.Where(m => !ProcessOwner.IsAlive(m)).Union(folders.Keys, StringComparer.Ordinal).ToList();
        var notes = new List<string>();
        foreach (var mark in marks)
        {
            // Read before the reap removes them: which folders a finished run left on purpose (see StoppedFile).
            var leftOnPurpose = (folders.GetValueOrDefault(mark) ?? []).Where(f => File.Exists(Path.Combine(f, StoppedFile))).ToHashSet(StringComparer.Ordinal);
            var done = await ChildWatchdog.ReapAsync(mark, folders.GetValueOrDefault(mark) ?? [], cancellationToken);
            if (done.Count > 0)
            {
                var killed = done.Where(l => l.StartsWith("killed ", StringComparison.Ordinal)).Select(l => l["killed ".Length..]).ToList();
                var removed = done.Where(l => l.StartsWith("removed ", StringComparison.Ordinal)).Select(l => l["removed ".Length..])
                    .Where(folder => !leftOnPurpose.Contains(folder)).ToList();
                var parts = new List<string>();
                if (killed.Count > 0)
                {
                    parts.Add($"stopped {killed.Count} process(es) ({string.Join(", ", killed)})");
                }

                if (removed.Count > 0)
                {
                    parts.Add($"removed {string.Join(", ", removed)}");
                }

                if (parts.Count == 0)
                {
                    // Only folders a finished run left to its watchdog, which had not yet removed them: nothing was killed.
                    continue;
                }

                notes.Add($"cleaned up after an earlier run that was killed (process {mark.Split('.')[0]}): {string.Join("; ", parts)}");
            }
        }

        return notes;
    }

    /// <summary>
    /// Marks a stopped server's folder as left on purpose (a later run that finds it before our watchdog removed it deletes it
    /// without reporting a killed run) when the watchdog that removes it at our exit is running; false when it is not, and
    /// then the caller deletes the folder itself.
    /// </summary>
    public static bool LeaveToWatchdog(string root)
    {
        if (!ChildWatchdog.IsRunning)
        {
            return false;
        }

        try
        {
            File.WriteAllText(Path.Combine(root, StoppedFile), string.Empty);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static IEnumerable<string> SafeEnumerate(string parent)
    {
        try
        {
            // Folders holding a decrypted dump carry the same owner mark, so a killed run's plaintext goes with its server.
            return [.. PrivateFolder.Prefixes.SelectMany(prefix => Directory.GetDirectories(parent, prefix + "*"))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? ReadOwner(string folder)
    {
        try
        {
            var path = Path.Combine(folder, OwnerFile);
            var info = new FileInfo(path);

            // A mark is a few dozen bytes; anything else (a link, a big file) is not one of ours.
            return info.Exists && info.LinkTarget is null && info.Length < 100 ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
