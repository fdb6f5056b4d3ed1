using System.Text;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Catalog;

/// <summary>
/// Finds the backups in a backup folder: every file named like a backup, each judged by <see cref="BackupRule"/> from its first
/// bytes and its manifest; everything else in the folder is ignored.
/// </summary>
public static class BackupCatalog
{
    /// <summary>A manifest is a few KiB; one larger than this is not ours and is never read into memory.</summary>
    internal const int MaxManifestBytes = BackupManifest.MaxBytes;

    /// <summary>Why a symbolic link named like a backup is not one: what it points to is not this folder's to vouch for.</summary>
    internal const string SymlinkProblem = "a symbolic link, never followed: the backup folder holds its backups itself";

    /// <summary>Lists regular and pre-restore backups, newest first; a symlinked folder is resolved to its target first.</summary>
    public static Task<IReadOnlyList<BackupEntry>> ListAsync(string backupDirectory, CancellationToken cancellationToken = default)
    {
        var directory = ResolvedBackupDirectory.Resolve(backupDirectory);
        return Task.FromResult(List(directory.Path, cancellationToken));
    }

    /// <summary>The newest regular backup that counts as one at <paramref name="now"/> (see <see cref="BackupEntry.IgnoredReasonAt"/>), or null.</summary>
    public static async Task<BackupEntry?> NewestAsync(string backupDirectory, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Newest(await ListAsync(backupDirectory, cancellationToken), now);

    /// <summary>The newest regular backup among <paramref name="entries"/> (of any location) that counts at <paramref name="now"/>, or null.</summary>
    public static BackupEntry? Newest(IEnumerable<BackupEntry> entries, DateTimeOffset now) =>
        entries.Where(e => e.Kind == BackupKind.Regular && e.CountsAt(now)).OrderByDescending(e => e.TakenAt).ThenBy(e => e.FileName, StringComparer.Ordinal).FirstOrDefault();

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
            var manifestPath = BackupFileName.ManifestPathFor(info.FullName);
            var (manifest, manifestProblem) = isSymlink ? (null, null) : ReadManifest(manifestPath);
            entries.Add(new BackupEntry(
                info.FullName,
                info.Name,
                takenAt,
                size,
                File.Exists(manifestPath),
                isSymlink,
                kind)
            {
                // A symlink is listed as it is and never followed: never counted, never the newest, never deleted.
                ContentProblem = isSymlink ? SymlinkProblem : ProblemOf(info.FullName, size, manifest, manifestProblem),
                Sha256 = manifest?.Sha256?.ToLowerInvariant(),
                Database = manifest?.Database,
            });
        }

        // Name order breaks ties between a regular and a pre-restore backup taken in the same second, so output is stable.
        return entries
            .OrderByDescending(e => e.TakenAt)
            .ThenBy(e => e.FileName, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Why a file named like a backup is not one by <see cref="BackupRule"/>: not a regular file, unreadable, or its first bytes
    /// or its manifest do not make it one. The type is checked before opening, so a FIFO or a device is never opened.
    /// </summary>
    internal static string? ContentProblemOf(string path)
    {
        var (manifest, manifestProblem) = ReadManifest(BackupFileName.ManifestPathFor(path));
        var size = NativeFile.KindOf(path) == FileKind.Regular ? new FileInfo(path).Length : 0;
        return ProblemOf(path, size, manifest, manifestProblem);
    }

    /// <summary>Only the header: why the file's first bytes are not what its backup name promises (or not a readable regular file), or null.</summary>
    internal static string? HeaderProblemOf(string path)
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

        Span<byte> header = stackalloc byte[BackupRule.HeaderBytes];
        int read;
        try
        {
            read = RandomAccess.Read(handle, header, 0);
        }
        catch (IOException ex)
        {
            return $"cannot be read ({ex.Message})";
        }

        return BackupRule.HeaderProblem(Path.GetFileName(path), header[..read]);
    }

    /// <summary>The manifest at <paramref name="path"/>, or why it cannot be read (see <see cref="BackupManifest.TryRead"/>).</summary>
    internal static (BackupManifest? Manifest, string? Problem) ReadManifest(string path) => BackupManifest.TryRead(path);

    /// <summary>A manifest from its bytes, or why they are not one; never throws.</summary>
    internal static (BackupManifest? Manifest, string? Problem) ParseManifest(ReadOnlySpan<byte> bytes, string source) =>
        BackupManifest.TryParse(Encoding.UTF8.GetString(bytes), source);

    private static string? ProblemOf(string path, long size, BackupManifest? manifest, string? manifestProblem) =>
        HeaderProblemOf(path) is { } header
            ? header
            : BackupRule.ProblemOf(new BackupEvidence
            {
                Name = Path.GetFileName(path),
                SizeBytes = size,
                Manifest = manifest,
                ManifestProblem = manifestProblem,
            });

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
