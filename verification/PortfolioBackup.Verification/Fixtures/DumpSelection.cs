using PortfolioBackup.Catalog;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>Which dumps the suite verifies: the catalog's choice in BACKUP_DIR (oldest first; see <see cref="DumpSelector"/>), the sample, or a problem to report.</summary>
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

    /// <summary>The newest backup that counts (the catalog's), or for the sample its one dump; null when there is none.</summary>
    public string? Newest => IsSample ? FileNames[0] : NewestFileName;

    /// <summary>The catalog's newest backup in the folder, or null.</summary>
    public string? NewestFileName { get; init; }

    /// <summary>What the selection left out or judged with a caveat.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

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

        // The catalog's answer, the same as the CLI's: "latest" is the newest backup that counts, never a stray file.
        PortfolioBackup.Catalog.DumpSelection all, newest;
        try
        {
            var now = DateTimeOffset.UtcNow;
            all = DumpSelector.Select(directory, latest: false, now);
            newest = DumpSelector.Select(directory, latest: true, now);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BackupDirectoryNotFoundException)
        {
            return new DumpSelection { Directory = directory, Problem = $"BACKUP_DIR={directory} cannot be read: {ex.Message}" };
        }

        if (all.Paths.Count == 0)
        {
            return new DumpSelection { Directory = directory, Problem = $"BACKUP_DIR={directory} holds no backup_*.dump or backup_*.dump.age files" };
        }

        var names = (settings.LatestOnly ? newest.Paths : all.Paths).Select(p => Path.GetFileName(p)).ToList();
        if (names.Count == 0)
        {
            return new DumpSelection { Directory = directory, Problem = $"BACKUP_DIR={directory} holds no backup that counts as one: {string.Join("; ", newest.Notes)}" };
        }

        return new DumpSelection
        {
            Directory = directory,
            FileNames = names,
            NewestFileName = newest.Paths.Count > 0 ? Path.GetFileName(newest.Paths[0]) : null,
            Notes = settings.LatestOnly ? newest.Notes : all.Notes,
        };
    }
}
