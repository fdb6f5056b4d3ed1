using PortfolioBackup.Backup;
using PortfolioBackup.Engines;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Encryption;

/// <summary>
/// A decrypted dump for readers that need a seekable file (pg_restore, the parallel loader): a 0600 file inside a 0700
/// folder of ours on tmpfs when it has room, else under the temp folder; removed on dispose, and by the watchdog or the next
/// run's stale cleanup when we are killed (the folder holds our <c>owner</c> mark).
/// </summary>
internal sealed class DecryptedCopy : IAsyncDisposable
{
    private readonly PrivateFolder _folder;

    private DecryptedCopy(PrivateFolder folder, string path)
    {
        _folder = folder;
        Path = path;
    }

    /// <summary>The private folder.</summary>
    public string Folder => _folder.Path;

    /// <summary>The decrypted dump inside it.</summary>
    public string Path { get; }

    /// <summary>The folders decrypted copies may be put in, for stale cleanup.</summary>
    public static IReadOnlyList<string> Parents => [DataPlacement.RamDirectory, System.IO.Path.GetTempPath()];

    /// <summary>
    /// Decrypts <paramref name="encryptedPath"/> into a private file; returns the copy, or the verdict sentence when age
    /// fails (a non-zero exit always wins: a partly written copy is removed before returning).
    /// </summary>
    public static async Task<(DecryptedCopy? Copy, string? Problem)> CreateAsync(
        string encryptedPath, AgeIdentity identity, IReadOnlyList<string>? recipients, long? plaintextBytes, CancellationToken cancellationToken)
    {
        var agePath = AgeTool.Locate();
        var size = plaintextBytes ?? new FileInfo(encryptedPath).Length;
        var folder = await PrivateFolder.CreateAsync(ParentFor(size), PrivateFolder.DecryptedPrefix, cancellationToken);
        var copy = new DecryptedCopy(folder, folder.FileFor(PlainName(encryptedPath)));
        try
        {
            DurableFile.CreateOwnerOnly(copy.Path);
            var result = await ToolRunner.RunAsync(AgeTool.Decrypt(agePath, encryptedPath, identity) with { StandardOutputFile = copy.Path }, cancellationToken);
            if (!result.Succeeded)
            {
                await copy.DisposeAsync();
                return (null, AgeTool.DescribeFailure(result, recipients, identity));
            }

            return (copy, null);
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }
    }

    /// <summary>"backup_….dump" for "backup_….dump.age": the copy keeps the backup's name, so messages and pg_restore see it.</summary>
    public static string PlainName(string encryptedPath)
    {
        var name = System.IO.Path.GetFileName(encryptedPath);
        return name.EndsWith(BackupFileName.EncryptedSuffix, StringComparison.Ordinal) ? name[..^BackupFileName.EncryptedSuffix.Length] : name + ".plain";
    }

    /// <summary>Removes the copy and its folder.</summary>
    public ValueTask DisposeAsync()
    {
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string ParentFor(long plaintextBytes)
    {
        // tmpfs only when the copy takes at most a third of its free space and of the free memory: the throwaway server's
        // data folder may want the same RAM.
        try
        {
            if (Directory.Exists(DataPlacement.RamDirectory)
                && DataPlacement.FitsInRam(plaintextBytes, DataPlacement.MemoryAvailableBytes(), new DriveInfo(DataPlacement.RamDirectory).AvailableFreeSpace))
            {
                return DataPlacement.RamDirectory;
            }
        }
        catch (IOException)
        {
        }

        return System.IO.Path.GetTempPath();
    }
}
