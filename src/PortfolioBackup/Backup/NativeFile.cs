using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PortfolioBackup.Backup;

/// <summary>What kind of file system object a path names, without following a symlink at that path.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Other,
}

/// <summary>
/// The few POSIX calls .NET does not expose: the file type without following links (statx), and opening with
/// O_NOFOLLOW and an explicit mode, so root never writes through a planted symlink and the umask never widens a file.
/// </summary>
internal static class NativeFile
{
    public const int ReadOnly = 0;
    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int Append = 0x400;
    public const int NonBlocking = 0x800;
    public const int NoFollow = 0x20000;
    public const int CloseOnExec = 0x80000;

    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1 | 0x2 | 0x4 | 0x200; // type, mode, nlink, size
    private const int StatxSize = 256;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int OwnerOnlyMode = 0x180; // 0600

    /// <summary>The type of the object at <paramref name="path"/>, the link itself for a symlink; Missing when it cannot be examined.</summary>
    public static FileKind KindOf(string path) => Stat(AtCurrentDirectory, path, AtSymlinkNoFollow) is { } s ? s.Kind : FileKind.Missing;

    /// <summary>The type and link count of an open descriptor.</summary>
    public static (FileKind Kind, uint Links) KindOf(SafeFileHandle handle) =>
        Stat((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath) is { } s ? (s.Kind, s.Links) : (FileKind.Missing, 0);

    /// <summary>Opens a path without following a final symlink, creating it 0600 when <see cref="Create"/> is given; errno on failure.</summary>
    public static SafeFileHandle Open(string path, int flags, out int errno)
    {
        var fd = OpenNative(path, flags | NoFollow | CloseOnExec, OwnerOnlyMode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return new SafeFileHandle(fd, ownsHandle: fd >= 0);
    }

    /// <summary>Takes flock(LOCK_EX|LOCK_NB); errno on failure (EWOULDBLOCK when another descriptor holds it).</summary>
    public static int TryLockExclusive(SafeFileHandle handle) =>
        Flock((int)handle.DangerousGetHandle(), LockExclusive | LockNonBlocking) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Sets a descriptor's mode to 0600 (the file's own mode, not a link target's).</summary>
    public static void MakeOwnerOnly(SafeFileHandle handle) => _ = Fchmod((int)handle.DangerousGetHandle(), OwnerOnlyMode);

    /// <summary>The system's text for an errno, e.g. "Read-only file system".</summary>
    public static string Describe(int errno) => errno switch
    {
        40 => "it is a symbolic link, which is never followed",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    public const int WouldBlock = 11;
    public const int SymlinkLoop = 40;

    private static (FileKind Kind, uint Links)? Stat(int directoryFd, string path, int flags)
    {
        var buffer = new byte[StatxSize];
        if (Statx(directoryFd, path, flags, StatxType, buffer) != 0)
        {
            return null;
        }

        // struct statx is the same on every architecture: stx_nlink at 16 (u32), stx_mode at 28 (u16).
        var links = BitConverter.ToUInt32(buffer, 16);
        var mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
        var kind = mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
        return (kind, links);
    }

    // DllImport rather than LibraryImport: the source-generated form would need unsafe code enabled.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static extern int Fchmod(int fd, int mode);
}
