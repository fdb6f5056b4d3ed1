using System.Globalization;
using System.Text.RegularExpressions;

namespace PortfolioBackup.Backup;

/// <summary>
/// The naming contract of backup files: <c>backup_YYYYMMDD_HHMMSS.dump</c> (UTC), or <c>….dump.age</c> when encrypted with
/// age, manifests beside them as <c>….dump.manifest.json</c> (<c>….dump.age.manifest.json</c>).
/// </summary>
public static partial class BackupFileName
{
    /// <summary>The prefix of regular backups.</summary>
    public const string BackupPrefix = "backup_";

    /// <summary>The prefix of safety backups taken before a restore; retention never counts them as regular backups.</summary>
    public const string PreRestorePrefix = "pre-restore_";

    /// <summary>The suffix of a manifest, appended to the dump's file name.</summary>
    public const string ManifestSuffix = ".manifest.json";

    /// <summary>The suffix age-encrypted dumps carry after <c>.dump</c>.</summary>
    public const string EncryptedSuffix = ".age";

    private const string TimestampFormat = "yyyyMMdd_HHmmss";

    /// <summary>The file name for a backup taken at the given time (converted to UTC).</summary>
    public static string For(DateTimeOffset takenAt, string prefix = BackupPrefix) => For(takenAt, prefix, encrypted: false);

    /// <summary>The file name for a backup taken at the given time, ending <c>.dump.age</c> when <paramref name="encrypted"/>.</summary>
    public static string For(DateTimeOffset takenAt, string prefix, bool encrypted) =>
        $"{prefix}{takenAt.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture)}.dump{(encrypted ? EncryptedSuffix : string.Empty)}";

    /// <summary>Whether a backup's file name says it is age-encrypted (<c>….dump.age</c>).</summary>
    public static bool IsEncrypted(string fileName) => fileName.EndsWith(".dump" + EncryptedSuffix, StringComparison.Ordinal);

    /// <summary>The manifest path for a dump path.</summary>
    public static string ManifestPathFor(string dumpPath) => dumpPath + ManifestSuffix;

    /// <summary>Parses a regular backup's file name (no folder); returns false for anything else.</summary>
    public static bool TryParse(string fileName, out DateTimeOffset takenAt) => TryParse(fileName, BackupPrefix, out takenAt);

    /// <summary>Parses a regular or a pre-restore backup's file name, plain or encrypted; returns false for anything else.</summary>
    public static bool TryParseAny(string fileName, out DateTimeOffset takenAt) =>
        TryParse(fileName, BackupPrefix, out takenAt) || TryParse(fileName, PreRestorePrefix, out takenAt);

    /// <summary>Whether the name is a regular or a pre-restore backup's, plain or encrypted.</summary>
    public static bool IsAnyBackup(string fileName) => TryParseAny(fileName, out _);

    /// <summary>Parses a file name with the given prefix; returns false for anything else (including impossible dates).</summary>
    public static bool TryParse(string fileName, string prefix, out DateTimeOffset takenAt)
    {
        takenAt = default;
        var match = Pattern().Match(fileName);
        return match.Success
            && match.Groups["prefix"].Value == prefix
            && DateTimeOffset.TryParseExact(match.Groups["stamp"].Value, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out takenAt);
    }

    // \z, not $: a $ also matches before a final newline, so "backup_….dump\n" would pass for a backup.
    [GeneratedRegex(@"^(?<prefix>backup_|pre-restore_)(?<stamp>\d{8}_\d{6})\.dump(\.age)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
