namespace PortfolioBackup.Tools;

/// <summary>Who this process runs as; PostgreSQL servers refuse to run as root, so root hands them to an unprivileged account.</summary>
public static class OperatingSystemIdentity
{
    /// <summary>True when the effective user is root.</summary>
    public static bool IsRoot { get; } = Environment.UserName == "root" || ReadEffectiveUid() == 0;

    /// <summary>The effective user id, or -1 where /proc cannot tell.</summary>
    public static int EffectiveUserId { get; } = ReadEffectiveUid();

    /// <summary>
    /// The numeric owner of a file or folder, not following a final link, read with statx(2) (the same layout on every
    /// architecture): no child process for a <c>stat</c>. Null when the call fails or libc has no statx.
    /// </summary>
    public static uint? OwnerOf(string path)
    {
        const int currentDirectory = -100; // AT_FDCWD
        const int noFollow = 0x100; // AT_SYMLINK_NOFOLLOW
        const uint wantUid = 0x8; // STATX_UID
        const uint gotUid = 0x8;
        var buffer = new byte[256]; // sizeof(struct statx)
        try
        {
            if (Statx(currentDirectory, path, noFollow, wantUid, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }

        // struct statx: stx_mask (u32) at 0, stx_uid (u32) at 20.
        var mask = BitConverter.ToUInt32(buffer, 0);
        return (mask & gotUid) != 0 ? BitConverter.ToUInt32(buffer, 20) : null;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directoryFd, string path, int flags, uint mask, [System.Runtime.InteropServices.Out] byte[] buffer);

    private static int ReadEffectiveUid()
    {
        try
        {
            var status = File.ReadAllLines("/proc/self/status");
            var uidLine = status.FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var fields = uidLine?.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 2 } ? int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture) : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
