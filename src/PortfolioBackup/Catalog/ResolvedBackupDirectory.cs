namespace PortfolioBackup.Catalog;

/// <summary>The backup folder as given and the real folder it names, after following a symlink on the folder itself.</summary>
/// <param name="Requested">The folder as configured (made absolute).</param>
/// <param name="Path">The real folder that is listed and pruned.</param>
internal sealed record ResolvedBackupDirectory(string Requested, string Path)
{
    /// <summary>Whether the configured folder is a symlink to another folder.</summary>
    public bool IsSymlink => !string.Equals(Requested, Path, StringComparison.Ordinal);

    public static ResolvedBackupDirectory Resolve(string backupDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backupDirectory);
        var requested = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(backupDirectory));
        var info = new DirectoryInfo(requested);
        if (info.LinkTarget is null)
        {
            if (!info.Exists)
            {
                throw new BackupDirectoryNotFoundException(requested, File.Exists(requested) ? "is a file, not a folder" : "does not exist");
            }

            return new ResolvedBackupDirectory(requested, requested);
        }

        FileSystemInfo? target;
        try
        {
            target = info.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException ex)
        {
            throw new BackupDirectoryNotFoundException(requested, $"is a symlink that cannot be resolved ({ex.Message})", ex);
        }

        if (target is not DirectoryInfo { Exists: true } directory)
        {
            throw new BackupDirectoryNotFoundException(requested, $"is a symlink to {target?.FullName ?? "nothing"}, which is not an existing folder");
        }

        return new ResolvedBackupDirectory(requested, System.IO.Path.TrimEndingDirectorySeparator(directory.FullName));
    }
}
