using System.Security.Cryptography;
using PortfolioBackup.Backup;
using PortfolioBackup.Offsite;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>Backup-shaped files for the offsite tests: a PGDMP header and random bytes, with a real manifest beside them.</summary>
internal static class OffsiteTestFiles
{
    public static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Writes a file that starts with the age header (random content after it), as a .dump.age must.</summary>
    public static string WriteAgeLike(string directory, string name, long size)
    {
        var path = Path.Combine(directory, name);
        using var file = File.Create(path);
        file.Write("age-encryption.org/v1\n"u8);
        var rest = new byte[Math.Max(0, size - 22)];
        RandomNumberGenerator.Fill(rest);
        file.Write(rest);
        return path;
    }

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

    /// <summary>
    /// Puts a backup into the bucket as our upload does: a dump-like object with its SHA-256 recorded, then its manifest;
    /// returns the dump's SHA-256.
    /// </summary>
    public static async Task<string> PutBackupAsync(OffsiteStore store, string scratch, string name, long size = 2048)
    {
        var folder = Path.Combine(scratch, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = WriteBackup(folder, DateTimeOffset.UnixEpoch, size, name);
        var sha = Sha256Of(path);
        await store.UploadFileAsync(path, name, sha);
        await store.UploadFileAsync(BackupFileName.ManifestPathFor(path), name + BackupFileName.ManifestSuffix, Sha256Of(BackupFileName.ManifestPathFor(path)));
        return sha;
    }

    /// <summary>Writes a dump and its manifest (recording the dump's size and SHA-256) for a backup taken at the given time.</summary>
    public static string WriteBackup(string directory, DateTimeOffset takenAt, long size = 64 * 1024, string? name = null)
    {
        var path = name is not null && BackupFileName.IsEncrypted(name) ? WriteAgeLike(directory, name, size) : WriteDump(directory, name ?? BackupFileName.For(takenAt), size);
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
