namespace PortfolioBackup.Archive;

/// <summary>A file given as a custom-format archive is not one, or its header or table of contents cannot be read.</summary>
public sealed class ArchiveUnreadableException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the file and what is wrong with it.</summary>
    public ArchiveUnreadableException(string path, ArchiveVerdict verdict, string detail)
        : base($"{path}: {detail}")
    {
        Path = path;
        Verdict = verdict;
        Detail = detail;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Why it cannot be read.</summary>
    public ArchiveVerdict Verdict { get; }

    /// <summary>What is wrong, in one sentence.</summary>
    public string Detail { get; }
}
