using System.Globalization;
using System.Text;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Tools;

/// <summary>
/// Reads a small file we are handed (a manifest, a key, a settings file) without ever blocking on it or holding more than a
/// bound: a FIFO or a device is refused before it is opened, and a file larger than the bound is refused unread.
/// </summary>
public static class SmallFile
{
    /// <summary>
    /// The file's text, (null, null) when it does not exist, or (null, why) when it is not a regular file (a symlink counts
    /// only with <paramref name="followLinks"/>, and then only when it ends at a regular file), cannot be opened, or is larger
    /// than <paramref name="maxBytes"/>.
    /// </summary>
    public static (string? Text, string? Problem) TryRead(string path, int maxBytes, bool followLinks)
    {
        var kind = NativeFile.KindOf(path);
        if (kind == FileKind.Missing)
        {
            return (null, null);
        }

        if (kind == FileKind.Symlink && followLinks)
        {
            try
            {
                path = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
            }
            catch (IOException ex)
            {
                return (null, $"a symbolic link that cannot be resolved ({ex.Message})");
            }

            kind = NativeFile.KindOf(path);
            if (kind == FileKind.Missing)
            {
                return (null, "a symbolic link to nothing");
            }
        }

        if (kind != FileKind.Regular)
        {
            return (null, kind == FileKind.Symlink ? "a symbolic link, which is not followed" : "not a regular file (a pipe, a device or a folder is never opened)");
        }

        using var handle = NativeFile.Open(path, NativeFile.ReadOnly | NativeFile.NonBlocking, out var errno);
        if (handle.IsInvalid)
        {
            return (null, NativeFile.Describe(errno));
        }

        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length > maxBytes)
            {
                return (null, string.Create(CultureInfo.InvariantCulture, $"{length} bytes, more than the {maxBytes} such a file can be"));
            }

            var bytes = new byte[length];
            var read = RandomAccess.Read(handle, bytes, 0);
            return (Encoding.UTF8.GetString(bytes, 0, read), null);
        }
        catch (IOException ex)
        {
            return (null, ex.Message);
        }
    }
}
