using PortfolioBackup.Engines;

namespace PortfolioBackup.Tools;

/// <summary>
/// A 0700 folder of ours for files that hold production data (downloaded or decrypted dumps): its owner file lets our
/// watchdog remove it if we are killed, and a later run's stale cleanup remove it if the watchdog was killed too.
/// </summary>
internal sealed class PrivateFolder : IDisposable
{
    private PrivateFolder(string path) => Path = path;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Creates the folder under <paramref name="parent"/> (default: the temp folder), owner-only, registered for removal.</summary>
    public static async Task<PrivateFolder> CreateAsync(string? parent = null, CancellationToken cancellationToken = default)
    {
        parent ??= System.IO.Path.GetTempPath();
        var path = System.IO.Path.Combine(parent, $"{StaleServerCleanup.FolderPrefix}{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // The umask cannot widen an explicit mode, but a default ACL on the parent could: set it again.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            await File.WriteAllTextAsync(System.IO.Path.Combine(path, StaleServerCleanup.OwnerFile), ProcessOwner.Current, cancellationToken);
            ChildWatchdog.RemoveWhenGone(path);
            return new PrivateFolder(path);
        }
        catch
        {
            Directory.Delete(path, recursive: true);
            throw;
        }
    }

    /// <summary>A path for a file inside the folder.</summary>
    public string FileFor(string name) => System.IO.Path.Combine(Path, System.IO.Path.GetFileName(name));

    /// <summary>Removes the folder and everything in it (best effort: the watchdog or the next run retries).</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the watchdog and the next run's stale cleanup, which know this folder by its owner file.
        }
    }
}
