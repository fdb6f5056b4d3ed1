using System.Security.Cryptography;

namespace PortfolioBackup.Backup;

/// <summary>The SHA-256 a manifest records for a dump, streamed from the file (never a whole-file buffer).</summary>
internal static class FileHash
{
    /// <summary>The lower-case hex SHA-256 of a file.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
