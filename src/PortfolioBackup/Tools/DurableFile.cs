using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PortfolioBackup.Tools;

/// <summary>Crash-safe file publishing: write under a temporary name, fsync, rename without overwriting, fsync the folder.</summary>
internal static class DurableFile
{
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux

    /// <summary>Creates an empty file readable only by its owner, so nothing is ever world-readable, even briefly.</summary>
    public static void CreateOwnerOnly(string path)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = OwnerOnlyFile,
        });
    }

    /// <summary>Flushes the file to disk and returns its size and SHA-256, read as a stream.</summary>
    public static async Task<(long Size, string Sha256)> SyncAndHashAsync(string path, CancellationToken cancellationToken)
    {
        // ReadWrite so that Flush(true) really issues fsync (.NET skips it on read-only streams).
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        stream.Flush(flushToDisk: true);
        return (stream.Length, Convert.ToHexStringLower(hash));
    }

    /// <summary>Writes text under a temporary name, fsyncs it and publishes it atomically at <paramref name="path"/> with mode 0600.</summary>
    public static async Task WriteAllTextAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temporary = TemporaryPathFor(path);
        try
        {
            await WriteSyncedAsync(temporary, text, OwnerOnlyFile, cancellationToken);

            Publish(temporary, path);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="text"/> atomically (a reader sees the old file or the new one,
    /// never half of one), created with <paramref name="mode"/> whatever the umask, fsynced with its folder. For files that are
    /// rewritten on every run (a report, metrics), unlike <see cref="WriteAllTextAsync"/> which never overwrites.
    /// </summary>
    public static async Task ReplaceAllTextAsync(string path, string text, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);

        // A name of its own per writer: two runs writing the same report never share a temporary file.
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            await WriteSyncedAsync(temporary, text, mode, cancellationToken);

            // The umask may have narrowed the mode at creation; the mode asked for is the one published.
            File.SetUnixFileMode(temporary, mode);
            File.Move(temporary, full, overwrite: true);
            SyncDirectory(Path.GetDirectoryName(full)!);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Renames the temporary file to its final name (failing if that exists) and fsyncs the folder so the rename survives a crash.</summary>
    public static void Publish(string temporary, string path)
    {
        File.SetUnixFileMode(temporary, OwnerOnlyFile);
        File.Move(temporary, path, overwrite: false);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>A hidden temporary name beside the final one that no backup pattern (<c>backup_*.dump</c>) matches.</summary>
    public static string TemporaryPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "." + Path.GetFileName(path) + ".partial");

    /// <summary>Creates <paramref name="path"/> (never an existing file) with <paramref name="mode"/>, writes the text and fsyncs it.</summary>
    private static async Task WriteSyncedAsync(string path, string text, UnixFileMode mode, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = mode,
        });
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>fsyncs a directory; .NET cannot open directories as files, so this goes to libc directly.</summary>
    public static void SyncDirectory(string directory)
    {
        var fd = Open(directory, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to flush it to disk (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot flush {directory} to disk (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // DllImport rather than LibraryImport: the source-generated form would need unsafe code enabled for three calls.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
