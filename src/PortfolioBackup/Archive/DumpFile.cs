using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PortfolioBackup.Archive;

/// <summary>
/// The one place that opens a dump for reading. It opens only regular files (a symlink to one is fine): opening a FIFO
/// blocks until a writer comes, and neither a cancellation token nor SIGTERM can interrupt that open, while a device
/// such as /dev/zero never ends. The type is checked with statx before the open and again on the open descriptor,
/// which is opened with O_NONBLOCK so that even a FIFO swapped in between cannot block it.
/// </summary>
internal static class DumpFile
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int StatxSize = 256;
    private const int ReadOnlyNonBlocking = 0x800 | 0x100 | 0x80000; // O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
    private const int ENOENT = 2;
    private const int EACCES = 13;
    private const int ENOTDIR = 20;
    private const int ENXIO = 6;
    private const int ELOOP = 40;

    /// <summary>Why the path cannot be read as a dump file (kind and one sentence), or null when it is a readable regular file.</summary>
    public static (DumpFileKind Kind, string Detail)? Check(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var error = StatxMode(AtFdCwd, path, 0, out var mode);
        return error == 0 ? KindOf(path, mode) : ErrorOf(path, error);
    }

    /// <summary>Opens a regular file for reading, or returns why not; never blocks on a FIFO and never throws for the kind of file.</summary>
    public static (FileStream? Stream, DumpFileKind Kind, string Detail) TryOpen(string path, int bufferSize = 4096)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.Exists(path)
                ? (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize), DumpFileKind.Custom, string.Empty)
                : (null, DumpFileKind.Missing, "the file does not exist");
        }

        if (Check(path) is { } problem)
        {
            return (null, problem.Kind, problem.Detail);
        }

        var fd = Open(path, ReadOnlyNonBlocking);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            var (kind, detail) = error == ENXIO ? (DumpFileKind.NotARegularFile, NotRegular(path, "a socket")) : ErrorOf(path, error);
            return (null, kind, detail);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var recheck = StatxMode(fd, string.Empty, AtEmptyPath, out var mode);
        if (recheck != 0 || KindOf(path, mode) is not null)
        {
            handle.Dispose();
            return (null, DumpFileKind.NotARegularFile, NotRegular(path, "something that changed while it was opened"));
        }

        return (new FileStream(handle, FileAccess.Read, bufferSize, isAsync: false), DumpFileKind.Custom, string.Empty);
    }

    /// <summary>Opens a regular file for reading; throws <see cref="NotARegularFileException"/> (an IOException) for anything else.</summary>
    public static FileStream OpenRead(string path, int bufferSize = 4096)
    {
        var (stream, kind, detail) = TryOpen(path, bufferSize);
        return stream ?? throw new NotARegularFileException(path, kind, detail);
    }

    private static (DumpFileKind Kind, string Detail)? KindOf(string path, ushort mode)
    {
        var type = (mode & 0xF000) switch
        {
            0x8000 => null,
            0x4000 => "a directory",
            0x1000 => "a FIFO (named pipe)",
            0xC000 => "a socket",
            0x2000 => "a character device",
            0x6000 => "a block device",
            _ => "an unknown kind of file",
        };
        if (type is null)
        {
            return null;
        }

        return (mode & 0xF000) == 0x4000
            ? (DumpFileKind.NotADump, "a directory, not a dump file")
            : (DumpFileKind.NotARegularFile, NotRegular(path, type));
    }

    private static string NotRegular(string path, string type)
    {
        var target = SymlinkTarget(path);
        var what = target is null ? type : $"{type}: a symbolic link to {target}";
        return $"not a regular file ({what}); a dump must be a regular file, so it was not opened";
    }

    private static string? SymlinkTarget(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (DumpFileKind Kind, string Detail) ErrorOf(string path, int error) => error switch
    {
        ENOENT or ENOTDIR => (DumpFileKind.Missing, new FileInfo(path).LinkTarget is not null ? "the file is a symbolic link to nothing (its target does not exist)" : "the file does not exist"),
        EACCES => (DumpFileKind.Unreadable, "the file cannot be read (permission denied)"),
        ELOOP => (DumpFileKind.Unreadable, "the file cannot be read (too many levels of symbolic links)"),
        _ => (DumpFileKind.Unreadable, $"the file cannot be read ({Marshal.GetPInvokeErrorMessage(error)})"),
    };

    private static int StatxMode(int directory, string path, int flags, out ushort mode)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        buffer.Clear();
        var result = Statx(directory, path, flags, StatxType, ref MemoryMarshal.GetReference(buffer));
        mode = result == 0 ? BitConverter.ToUInt16(buffer[ModeOffset..]) : (ushort)0;
        return result == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    // struct statx has one layout on every Linux architecture (unlike struct stat), so its st_mode offset is fixed.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, ref byte buffer);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}

/// <summary>A path given as a dump is not a regular file (a FIFO, a device, a socket, a directory) or cannot be opened.</summary>
public sealed class NotARegularFileException : IOException
{
    /// <summary>Creates the exception naming the file and what it is.</summary>
    public NotARegularFileException(string path, DumpFileKind kind, string detail)
        : base($"{path}: {detail}")
    {
        Kind = kind;
        Detail = detail;
    }

    /// <summary>What the path is.</summary>
    public DumpFileKind Kind { get; }

    /// <summary>One sentence on it.</summary>
    public string Detail { get; }
}
