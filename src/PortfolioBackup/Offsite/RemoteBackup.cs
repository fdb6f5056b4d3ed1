using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;

namespace PortfolioBackup.Offsite;

/// <summary>One object directly under the prefix named like a backup, with what the bucket says of it.</summary>
/// <param name="Name">The object's name without the prefix, e.g. backup_20261202_031500.dump.age.</param>
/// <param name="Key">The full object key.</param>
/// <param name="SizeBytes">The object's size.</param>
/// <param name="TakenAt">The UTC time in its name.</param>
/// <param name="HasManifest">Whether its manifest (<c>….manifest.json</c>) is there too, i.e. the upload of the pair completed.</param>
/// <param name="Sha256">The lower-case hex SHA-256 recorded in the object's metadata at upload, or null when missing.</param>
public sealed record RemoteBackup(string Name, string Key, long SizeBytes, DateTimeOffset TakenAt, bool HasManifest, string? Sha256)
{
    /// <summary>The manifest object, when it is there and reads.</summary>
    public BackupManifest? Manifest { get; init; }

    /// <summary>Why the manifest object that is there cannot be read, or null.</summary>
    public string? ManifestProblem { get; init; }

    /// <summary>Regular or pre-restore, by its name.</summary>
    public BackupKind Kind => Name.StartsWith(BackupFileName.PreRestorePrefix, StringComparison.Ordinal) ? BackupKind.PreRestore : BackupKind.Regular;

    /// <summary>Whether the object is age-encrypted, by its name.</summary>
    public bool IsEncrypted => BackupFileName.IsEncrypted(Name);

    /// <summary>The manifest's name.</summary>
    public string ManifestName => Name + BackupFileName.ManifestSuffix;

    /// <summary>The object as an entry of the catalog, judged by <see cref="BackupRule"/> like a file in the backup folder.</summary>
    public BackupEntry ToEntry() =>
        new(Key, Name, TakenAt, SizeBytes, HasManifest, IsSymlink: false, Kind)
        {
            Location = BackupLocation.Bucket,
            ContentProblem = BackupRule.ProblemOf(new BackupEvidence
            {
                Name = Name,
                SizeBytes = SizeBytes,
                Manifest = Manifest,
                ManifestProblem = HasManifest && Manifest is null ? ManifestProblem ?? "unreadable" : ManifestProblem,
                HasRecordedSha256 = true,
                RecordedSha256 = Sha256,
            }),
            Sha256 = Sha256,
            Database = Manifest?.Database,
        };
}
