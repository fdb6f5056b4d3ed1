using System.Text.RegularExpressions;

namespace PortfolioBackup.Backup;

/// <summary>Temporary files (<c>.backup_….dump.partial</c>, <c>.backup_….dump.age.partial</c> and their manifests') that a killed backup left behind.</summary>
internal static partial class StaleFiles
{
    /// <summary>
    /// Removes every leftover temporary backup file in the folder; call only while holding the folder's lock, which proves
    /// no other backup is writing one. Only regular files with exactly our temporary names are touched.
    /// </summary>
    public static IReadOnlyList<string> RemoveLeftovers(string directory)
    {
        var removed = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, ".*.partial"))
        {
            if (!Pattern().IsMatch(Path.GetFileName(path)) || NativeFile.KindOf(path) != FileKind.Regular)
            {
                continue;
            }

            try
            {
                File.Delete(path);
                removed.Add(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left for the next run: the backup itself does not depend on it.
            }
        }

        return removed;
    }

    [GeneratedRegex(@"^\.(backup_|pre-restore_)\d{8}_\d{6}\.dump(\.age)?(\.manifest\.json)?\.partial\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
