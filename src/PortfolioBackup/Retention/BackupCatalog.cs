using PortfolioBackup.Backup;

namespace PortfolioBackup.Retention;

/// <summary>Finds the backups in a backup folder by their names; everything else in the folder is ignored.</summary>
public static class BackupCatalog
{
    /// <summary>Lists regular and pre-restore backups, newest first; a symlinked folder is resolved to its target first.</summary>
    public static Task<IReadOnlyList<BackupEntry>> ListAsync(string backupDirectory, CancellationToken cancellationToken = default)
    {
        var directory = ResolvedBackupDirectory.Resolve(backupDirectory);
        return Task.FromResult(List(directory.Path, cancellationToken));
    }

    internal static IReadOnlyList<BackupEntry> List(string resolvedDirectory, CancellationToken cancellationToken)
    {
        var entries = new List<BackupEntry>();
        foreach (var info in new DirectoryInfo(resolvedDirectory).EnumerateFileSystemInfos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var isSymlink = info.LinkTarget is not null;

            // A real sub-folder that happens to carry a backup's name is not a backup.
            if (!isSymlink && info is not FileInfo)
            {
                continue;
            }

            BackupKind kind;
            if (BackupFileName.TryParse(info.Name, BackupFileName.BackupPrefix, out var takenAt))
            {
                kind = BackupKind.Regular;
            }
            else if (BackupFileName.TryParse(info.Name, BackupFileName.PreRestorePrefix, out takenAt))
            {
                kind = BackupKind.PreRestore;
            }
            else
            {
                continue;
            }

            entries.Add(new BackupEntry(
                info.FullName,
                info.Name,
                takenAt,
                SizeOf(info, isSymlink),
                File.Exists(BackupFileName.ManifestPathFor(info.FullName)),
                isSymlink,
                kind));
        }

        // Name order breaks ties between a regular and a pre-restore backup taken in the same second, so output is stable.
        return entries
            .OrderByDescending(e => e.TakenAt)
            .ThenBy(e => e.FileName, StringComparer.Ordinal)
            .ToList();
    }

    private static long SizeOf(FileSystemInfo info, bool isSymlink)
    {
        if (!isSymlink)
        {
            return ((FileInfo)info).Length;
        }

        try
        {
            return info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target.Length : 0;
        }
        catch (IOException)
        {
            // A link loop or an unreadable target: report it as empty rather than failing the whole listing.
            return 0;
        }
    }
}
