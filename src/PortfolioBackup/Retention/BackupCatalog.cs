using PortfolioBackup.Backup;

namespace PortfolioBackup.Retention;

/// <summary>Finds the backups in a backup folder by their names; everything else in the folder is ignored.</summary>
public static class BackupCatalog
{
    private static readonly byte[] CustomFormatMagic = "PGDMP"u8.ToArray();

    // The first line of every age file; a .dump.age must start with it, as a .dump must start with PGDMP.
    private static readonly byte[] AgeHeader = "age-encryption.org/v1\n"u8.ToArray();

    /// <summary>Lists regular and pre-restore backups, newest first; a symlinked folder is resolved to its target first.</summary>
    public static Task<IReadOnlyList<BackupEntry>> ListAsync(string backupDirectory, CancellationToken cancellationToken = default)
    {
        var directory = ResolvedBackupDirectory.Resolve(backupDirectory);
        return Task.FromResult(List(directory.Path, cancellationToken));
    }

    /// <summary>The newest regular backup that counts as one at <paramref name="now"/> (see <see cref="BackupEntry.IgnoredReasonAt"/>), or null.</summary>
    public static async Task<BackupEntry?> NewestAsync(string backupDirectory, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Newest(await ListAsync(backupDirectory, cancellationToken), now);

    internal static BackupEntry? Newest(IEnumerable<BackupEntry> entries, DateTimeOffset now) =>
        entries.Where(e => e.Kind == BackupKind.Regular && e.IgnoredReasonAt(now) is null).MaxBy(e => e.TakenAt);

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

            var size = SizeOf(info, isSymlink);
            entries.Add(new BackupEntry(
                info.FullName,
                info.Name,
                takenAt,
                size,
                File.Exists(BackupFileName.ManifestPathFor(info.FullName)),
                isSymlink,
                kind)
            {
                ContentProblem = isSymlink ? null : ContentProblemOf(info.FullName),
            });
        }

        // Name order breaks ties between a regular and a pre-restore backup taken in the same second, so output is stable.
        return entries
            .OrderByDescending(e => e.TakenAt)
            .ThenBy(e => e.FileName, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Why a file named like a backup cannot be one: not a regular file, empty, or without the custom format's PGDMP
    /// header (for <c>….dump.age</c>: without the age header line). The type is checked before opening, so a FIFO or a device is never opened (that would block or have effects).
    /// </summary>
    internal static string? ContentProblemOf(string path)
    {
        var kind = NativeFile.KindOf(path);
        if (kind != FileKind.Regular)
        {
            return kind == FileKind.Missing ? "gone since it was listed" : "not a regular file";
        }

        using var handle = NativeFile.Open(path, NativeFile.ReadOnly | NativeFile.NonBlocking, out var errno);
        if (handle.IsInvalid)
        {
            return $"cannot be read ({NativeFile.Describe(errno)})";
        }

        var expected = BackupFileName.IsEncrypted(Path.GetFileName(path)) ? AgeHeader : CustomFormatMagic;
        Span<byte> header = stackalloc byte[expected.Length];
        int read;
        try
        {
            read = RandomAccess.Read(handle, header, 0);
        }
        catch (IOException ex)
        {
            return $"cannot be read ({ex.Message})";
        }

        return read == 0 ? "empty file"
            : expected == AgeHeader && (read < header.Length || !header.SequenceEqual(AgeHeader)) ? "not an age-encrypted file (no age-encryption.org/v1 header)"
            : read < header.Length || !header.SequenceEqual(expected) ? "not a custom-format archive (no PGDMP header)"
            : null;
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
