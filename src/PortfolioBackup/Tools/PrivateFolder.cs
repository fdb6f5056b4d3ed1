using PortfolioBackup.Engines;

namespace PortfolioBackup.Tools;

/// <summary>
/// A 0700 folder of ours for files that hold production data (downloaded or decrypted dumps): its owner file lets our
/// watchdog remove it if we are killed, and a later run's stale cleanup remove it if the watchdog was killed too.
/// </summary>
internal sealed class PrivateFolder : IDisposable
{
    /// <summary>The prefix of folders holding decrypted dumps.</summary>
    public const string DecryptedPrefix = "portfolio-age-";

    /// <summary>The prefix of folders holding dumps downloaded from a bucket.</summary>
    public const string DownloadPrefix = "portfolio-s3-";

    private PrivateFolder(string path) => Path = path;

    /// <summary>Every prefix of a folder of ours that stale cleanup removes once its owner is gone.</summary>
    public static IReadOnlyList<string> Prefixes { get; } = [StaleServerCleanup.FolderPrefix, DecryptedPrefix, DownloadPrefix];

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Creates <c>parent/prefix…</c> owner-only and registered for removal, after removing what a killed earlier run left
    /// in <paramref name="parent"/>.
    /// </summary>
    public static async Task<PrivateFolder> CreateAsync(string parent, string prefix, CancellationToken cancellationToken = default)
    {
        await StaleServerCleanup.RunAsync([parent], cancellationToken);
        var path = System.IO.Path.Combine(parent, prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            // The umask may have narrowed the mode, a default ACL on the parent widened it: the folder will hold the database.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await File.WriteAllTextAsync(System.IO.Path.Combine(path, StaleServerCleanup.OwnerFile), ProcessOwner.Current, cancellationToken);
            ChildWatchdog.RemoveWhenGone(path);
            return new PrivateFolder(path);
        }
        catch
        {
            new PrivateFolder(path).Dispose();
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
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the watchdog and the next run's stale cleanup, which know this folder by its owner file.
        }
    }
}
