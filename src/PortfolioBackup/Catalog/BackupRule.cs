using System.Globalization;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Catalog;

/// <summary>Where an entry of the catalog lies.</summary>
public enum BackupLocation
{
    /// <summary>A file in a backup folder (the droplet's, or the private folder a bucket's backups were downloaded into).</summary>
    Local,

    /// <summary>An object directly under the prefix of an S3-compatible bucket.</summary>
    Bucket,
}

/// <summary>What one source knows about one file or object named like a backup, for <see cref="BackupRule.ProblemOf"/>.</summary>
internal sealed record BackupEvidence
{
    /// <summary>The file or object name, without folder or prefix.</summary>
    public required string Name { get; init; }

    /// <summary>Its size in bytes.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>
    /// Why its first bytes are not what its name promises (see <see cref="BackupRule.HeaderProblem"/>), or null when they are,
    /// or when the source lists without reading (a bucket).
    /// </summary>
    public string? HeaderProblem { get; init; }

    /// <summary>The manifest beside it, when there is one and it reads.</summary>
    public BackupManifest? Manifest { get; init; }

    /// <summary>Why the manifest that is there cannot be read, or null.</summary>
    public string? ManifestProblem { get; init; }

    /// <summary>Whether the source keeps the SHA-256 our upload recorded (a bucket does; a folder has the manifest alone).</summary>
    public bool HasRecordedSha256 { get; init; }

    /// <summary>The SHA-256 our upload recorded with the object, or null when there is none.</summary>
    public string? RecordedSha256 { get; init; }
}

/// <summary>
/// What counts as a backup, for every place that holds backups (the backup folder, the bucket, the folder <c>verify --from</c>
/// downloads into): a file or object named <c>backup_YYYYMMDD_HHMMSS.dump[.age]</c> (or <c>pre-restore_…</c>) whose first
/// bytes are what the name promises (PGDMP, or the age header for <c>.age</c>), with a manifest that names it and records its
/// size, and in a bucket the SHA-256 our upload stored beside it, equal to the manifest's. Anything else named like a backup is
/// foreign: listed with the reason, never counted, never "the newest", never deleted.
/// </summary>
public static class BackupRule
{
    /// <summary>The custom format's magic, the first five bytes of every <c>pg_dump -Fc</c> archive.</summary>
    public static ReadOnlySpan<byte> CustomFormatMagic => "PGDMP"u8;

    /// <summary>The first line of every age file, newline included.</summary>
    public static ReadOnlySpan<byte> AgeHeader => "age-encryption.org/v1\n"u8;

    /// <summary>The first line of every age file as text (<see cref="AgeHeader"/> without its newline).</summary>
    public const string AgeHeaderLine = "age-encryption.org/v1";

    /// <summary>How many first bytes <see cref="HeaderProblem"/> needs.</summary>
    public static int HeaderBytes => AgeHeader.Length;

    /// <summary>
    /// Why the first bytes of a file named like a backup are not what the name promises (PGDMP for <c>.dump</c>, the age
    /// header for <c>.dump.age</c>), or null when they are. <paramref name="first"/> holds what could be read, at most
    /// <see cref="HeaderBytes"/>.
    /// </summary>
    public static string? HeaderProblem(string fileName, ReadOnlySpan<byte> first)
    {
        if (first.IsEmpty)
        {
            return "empty file";
        }

        if (BackupFileName.IsEncrypted(fileName))
        {
            return first.StartsWith(AgeHeader) ? null
                : first.StartsWith(CustomFormatMagic) ? "not an age-encrypted file (no age-encryption.org/v1 header): a plain custom-format dump named .dump.age"
                : "not an age-encrypted file (no age-encryption.org/v1 header)";
        }

        return first.StartsWith(CustomFormatMagic) ? null
            : first.StartsWith(AgeHeader) ? "not a custom-format archive (no PGDMP header): an age-encrypted file named .dump"
            : "not a custom-format archive (no PGDMP header)";
    }

    /// <summary>Why the evidence does not make a backup (the first reason found), or null when it does.</summary>
    internal static string? ProblemOf(BackupEvidence evidence)
    {
        if (evidence.SizeBytes == 0)
        {
            return "empty file";
        }

        if (evidence.HeaderProblem is { } header)
        {
            return header;
        }

        if (evidence.ManifestProblem is { } unreadable)
        {
            return $"its manifest cannot be read ({unreadable})";
        }

        if (evidence.Manifest is not { } manifest)
        {
            return $"no manifest ({evidence.Name}{BackupFileName.ManifestSuffix}): not written by portfolio-backup, or its writing did not finish";
        }

        if (!string.Equals(manifest.DumpFile, evidence.Name, StringComparison.Ordinal))
        {
            return $"its manifest describes another file ({manifest.DumpFile})";
        }

        if (manifest.SizeBytes != evidence.SizeBytes)
        {
            return Invariant($"{evidence.SizeBytes} bytes, its manifest records {manifest.SizeBytes}: cut or changed after the backup");
        }

        if (evidence.HasRecordedSha256)
        {
            if (evidence.RecordedSha256 is not { } recorded)
            {
                return "no SHA-256 recorded with the object: not uploaded by portfolio-backup";
            }

            if (!string.Equals(recorded, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                return $"the SHA-256 recorded with the object ({recorded}) is not its manifest's ({manifest.Sha256})";
            }
        }

        return null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
