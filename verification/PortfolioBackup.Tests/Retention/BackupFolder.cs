using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Retention;

/// <summary>Writes real files named like backups into a test folder, relative to a pinned "now".</summary>
internal sealed class BackupFolder(TempDirectory directory, DateTimeOffset now)
{
    public static readonly DateTimeOffset DefaultNow = new(2024, 6, 15, 12, 0, 0, TimeSpan.Zero);

    public string Path => directory.Path;

    public DateTimeOffset Now => now;

    /// <summary>A regular backup taken <paramref name="age"/> before now, with a manifest unless told otherwise.</summary>
    public string Backup(TimeSpan age, bool withManifest = true, string prefix = BackupFileName.BackupPrefix)
    {
        var path = directory.Combine(BackupFileName.For(now - age, prefix));
        System.IO.File.WriteAllText(path, "PGDMP fake dump " + System.IO.Path.GetFileName(path));
        if (withManifest)
        {
            WriteManifest(path);
        }

        return path;
    }

    /// <summary>Writes the manifest a backup of this file would have (its real size and SHA-256), as the catalog requires.</summary>
    public static void WriteManifest(string dumpPath, string database = "portfolio")
    {
        var bytes = System.IO.File.ReadAllBytes(dumpPath);
        var manifest = new BackupManifest
        {
            DumpFile = System.IO.Path.GetFileName(dumpPath),
            Database = database,
            ServerVersion = "15.18",
            PgDumpVersion = "pg_dump (PostgreSQL) 15.18",
            StartedAt = DateTimeOffset.UnixEpoch,
            FinishedAt = DateTimeOffset.UnixEpoch,
            SizeBytes = bytes.Length,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
            Extensions = [],
        };
        System.IO.File.WriteAllText(BackupFileName.ManifestPathFor(dumpPath), manifest.ToJson());
    }

    public string BackupDaysOld(double days, bool withManifest = true) => Backup(TimeSpan.FromDays(days), withManifest);

    public string Foreign(string name, string content = "not a backup")
    {
        var path = directory.Combine(name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public IReadOnlyList<string> Names() =>
        Directory.EnumerateFileSystemEntries(directory.Path).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
}
