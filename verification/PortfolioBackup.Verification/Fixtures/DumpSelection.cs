using PortfolioBackup.Backup;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>Which dumps the suite verifies: the backup_*.dump files of BACKUP_DIR (oldest first), the sample, or a problem to report.</summary>
public sealed record DumpSelection
{
    /// <summary>The folder the dumps are in; null for the sample until it is built.</summary>
    public string? Directory { get; init; }

    /// <summary>The dumps' file names, oldest first.</summary>
    public IReadOnlyList<string> FileNames { get; init; } = [];

    /// <summary>Why there is nothing to verify (with what to do), or null.</summary>
    public string? Problem { get; init; }

    /// <summary>True when BACKUP_DIR is unset and the suite verifies the sample dump it builds itself.</summary>
    public bool IsSample { get; init; }

    /// <summary>The newest dump's file name, or null when there is none.</summary>
    public string? Newest => FileNames.Count > 0 ? FileNames[^1] : null;

    /// <summary>Selects the dumps for the settings; never throws, a problem is data so discovery always lists a case.</summary>
    public static DumpSelection For(SuiteSettings settings)
    {
        if (settings.Problems.Count > 0)
        {
            return new DumpSelection { Problem = string.Join("; ", settings.Problems) };
        }

        if (settings.BackupDirectory is not { } directory)
        {
            return new DumpSelection { FileNames = [SampleBackup.FileName], IsSample = true };
        }

        if (!System.IO.Directory.Exists(directory))
        {
            return new DumpSelection { Directory = directory, Problem = $"BACKUP_DIR={directory} does not exist" };
        }

        List<(string Name, DateTimeOffset TakenAt)> dumps;
        try
        {
            dumps = [];
            foreach (var path in System.IO.Directory.EnumerateFiles(directory))
            {
                var name = Path.GetFileName(path);
                if (BackupFileName.TryParse(name, out var takenAt))
                {
                    dumps.Add((name, takenAt));
                }
            }

            dumps.Sort((a, b) => a.TakenAt.CompareTo(b.TakenAt));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new DumpSelection { Directory = directory, Problem = $"BACKUP_DIR={directory} cannot be read: {ex.Message}" };
        }

        if (dumps.Count == 0)
        {
            return new DumpSelection { Directory = directory, Problem = $"BACKUP_DIR={directory} holds no backup_*.dump or backup_*.dump.age files" };
        }

        var names = dumps.Select(d => d.Name).ToList();
        return new DumpSelection { Directory = directory, FileNames = settings.LatestOnly ? names.TakeLast(1).ToList() : names };
    }
}
