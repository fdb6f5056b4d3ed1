using System.Globalization;
using System.Text.RegularExpressions;
using PortfolioBackup.Retention;

namespace PortfolioBackup.Offsite;

/// <summary>The names an offsite object may have to count as a backup: the local naming contract, plain or age-encrypted.</summary>
internal static partial class OffsiteBackupName
{
    public const string ManifestSuffix = ".manifest.json";

    /// <summary>Parses a backup name (no folder); false for anything else, including impossible dates.</summary>
    public static bool TryParse(string name, out BackupKind kind, out DateTimeOffset takenAt)
    {
        kind = default;
        takenAt = default;
        var match = Pattern().Match(name);
        if (!match.Success
            || !DateTimeOffset.TryParseExact(match.Groups["stamp"].Value, "yyyyMMdd_HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out takenAt))
        {
            return false;
        }

        kind = match.Groups["prefix"].Value == "backup_" ? BackupKind.Regular : BackupKind.PreRestore;
        return true;
    }

    /// <summary>Whether a name is a backup's name.</summary>
    public static bool IsBackup(string name) => TryParse(name, out _, out _);

    // \z, not $: a $ also matches before a final newline.
    [GeneratedRegex(@"^(?<prefix>backup_|pre-restore_)(?<stamp>\d{8}_\d{6})\.dump(\.age)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
