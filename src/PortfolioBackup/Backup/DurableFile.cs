using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PortfolioBackup.Backup;

/// <summary>Crash-safe file publishing: write under a temporary name, fsync, rename (without overwriting, unless replacing), fsync the folder.</summary>
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
    public static Task WriteAllTextAsync(string path, string text, CancellationToken cancellationToken) =>
        WriteAsync(TemporaryPathFor(path), path, text, OwnerOnlyFile, replace: false, cancellationToken);

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="text"/> the same durable way, with <paramref name="mode"/> whatever
    /// the umask: a reader sees the old file or the new one, never a part of either.
    /// </summary>
    public static Task ReplaceAllTextAsync(string path, string text, UnixFileMode mode, CancellationToken cancellationToken) =>
        // A unique temporary name: two writers of one file at once (two status checks) never share one.
        WriteAsync(TemporaryPathFor(path, Guid.NewGuid().ToString("N")), path, text, mode, replace: true, cancellationToken);

    /// <summary>Renames the temporary file to its final name (failing if that exists) and fsyncs the folder so the rename survives a crash.</summary>
    public static void Publish(string temporary, string path) => Publish(temporary, path, OwnerOnlyFile, overwrite: false);

    /// <summary>A hidden temporary name beside the final one that no backup pattern (<c>backup_*.dump</c>) matches.</summary>
    public static string TemporaryPathFor(string path) => TemporaryPathFor(path, null);

    // Hidden and ending in .partial: neither a backup pattern nor node_exporter's *.prom ever matches it.
    private static string TemporaryPathFor(string path, string? unique) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "." + Path.GetFileName(path) + (unique is null ? string.Empty : "." + unique) + ".partial");

    private static async Task WriteAsync(string temporary, string path, string text, UnixFileMode mode, bool replace, CancellationToken cancellationToken)
    {
        try
        {
            await using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerOnlyFile,
            }))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            Publish(temporary, path, mode, replace);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    private static void Publish(string temporary, string path, UnixFileMode mode, bool overwrite)
    {
        // A chmod, unlike the mode given at creation, is not narrowed by the umask.
        File.SetUnixFileMode(temporary, mode);
        File.Move(temporary, path, overwrite);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Never created (the folder is missing or closed to us): the write's own failure is the one to report.
        }
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
