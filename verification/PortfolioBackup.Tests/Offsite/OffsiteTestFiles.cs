using System.Security.Cryptography;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>Backup-shaped files for the offsite tests: a PGDMP header and random bytes, with a real manifest beside them.</summary>
internal static class OffsiteTestFiles
{
    public static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Writes a dump-like file of the given size (random content, so parts differ) and returns its path.</summary>
    public static string WriteDump(string directory, string name, long size)
    {
        var path = Path.Combine(directory, name);
        using var file = File.Create(path);
        file.Write("PGDMP"u8);
        var buffer = new byte[1 << 20];
        for (long left = size - 5; left > 0; left -= buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
        }

        return path;
    }

    /// <summary>Writes a dump and its manifest (recording the dump's size and SHA-256) for a backup taken at the given time.</summary>
    public static string WriteBackup(string directory, DateTimeOffset takenAt, long size = 64 * 1024)
    {
        var path = WriteDump(directory, BackupFileName.For(takenAt), size);
        var manifest = new BackupManifest
        {
            DumpFile = Path.GetFileName(path),
            Database = "portfolio",
            ServerVersion = "15.14",
            PgDumpVersion = "15.14",
            StartedAt = takenAt,
            FinishedAt = takenAt.AddSeconds(3),
            SizeBytes = new FileInfo(path).Length,
            Sha256 = Sha256Of(path),
            Extensions = [],
        };
        File.WriteAllText(BackupFileName.ManifestPathFor(path), manifest.ToJson());
        return path;
    }
}
