using System.Text.RegularExpressions;

namespace PortfolioBackup.Tools;

/// <summary>One installed set of PostgreSQL programs (pg_dump, pg_restore, initdb, postgres, ...) of a single major version.</summary>
public sealed partial record PgBinaries(string Directory, int MajorVersion)
{
    private const string RootEnvironmentVariable = "PG_BIN_DIR";

    /// <summary>The full path of one program in this set.</summary>
    public string PathOf(string tool) => Path.Combine(Directory, tool);

    /// <summary>
    /// Finds the programs: <c>PG_BIN_DIR</c> when set, else Debian's versioned folders under
    /// <c>/usr/lib/postgresql</c> (the wanted major, or the newest), else the folder of <c>pg_dump</c> on PATH.
    /// </summary>
    public static PgBinaries Discover(int? majorVersion = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var searched = new List<string>();
        var env = environment ?? EnvironmentVariables.Current();
        if (env.TryGetValue(RootEnvironmentVariable, out var explicitDir) && !string.IsNullOrWhiteSpace(explicitDir))
        {
            searched.Add(explicitDir);
            if (File.Exists(Path.Combine(explicitDir, "pg_dump")))
            {
                var found = new PgBinaries(explicitDir, ReadMajor(explicitDir));
                if (majorVersion is null || found.MajorVersion == majorVersion)
                {
                    return found;
                }
            }
        }

        const string debianRoot = "/usr/lib/postgresql";
        searched.Add(debianRoot);
        if (System.IO.Directory.Exists(debianRoot))
        {
            var candidates = System.IO.Directory.GetDirectories(debianRoot)
                .Select(d => (dir: Path.Combine(d, "bin"), major: int.TryParse(Path.GetFileName(d), out var m) ? m : -1))
                .Where(c => c.major > 0 && File.Exists(Path.Combine(c.dir, "pg_dump")))
                .OrderByDescending(c => c.major)
                .ToList();
            var match = majorVersion is null ? candidates.FirstOrDefault() : candidates.FirstOrDefault(c => c.major == majorVersion);
            if (match.dir is not null)
            {
                return new PgBinaries(match.dir, match.major);
            }
        }

        if (majorVersion is null)
        {
            foreach (var dir in (env.GetValueOrDefault("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                searched.Add(dir);
                // Debian's /usr/bin/pg_dump is a wrapper script; the versioned folders above are preferred for that reason.
                if (File.Exists(Path.Combine(dir, "pg_dump")) && File.Exists(Path.Combine(dir, "pg_restore")))
                {
                    return new PgBinaries(dir, ReadMajor(dir));
                }
            }
        }

        throw new ToolNotFoundException(majorVersion is null ? "pg_dump" : $"PostgreSQL {majorVersion} programs (pg_dump)", searched);
    }

    private static int ReadMajor(string dir)
    {
        // pg_config is not always installed; the version folder name or pg_dump --version tells the major.
        var output = ToolRunner.RunSync(Path.Combine(dir, "pg_dump"), ["--version"]);
        var match = VersionPattern().Match(output);
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"\s(\d+)(?:\.\d+)?")]
    private static partial Regex VersionPattern();
}
