using System.Security.Cryptography;
using PortfolioBackup.Archive;

namespace PortfolioBackup.Tools;

/// <summary>The SHA-256 a manifest records for a dump, streamed from the file (never a whole-file buffer).</summary>
internal static class FileHash
{
    /// <summary>The lower-case hex SHA-256 of a regular file; throws <see cref="NotARegularFileException"/> (an IOException) for a FIFO, device or directory.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = DumpFile.OpenRead(path, 1 << 20);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
