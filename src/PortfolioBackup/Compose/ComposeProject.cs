using YamlDotNet.RepresentationModel;

namespace PortfolioBackup.Compose;

/// <summary>
/// The compose project a folder runs, named as docker compose names it: COMPOSE_PROJECT_NAME (the environment, then the
/// folder's <c>.env</c>), else the compose file's top-level <c>name:</c>, else the compose file's folder; null when the
/// folder has no compose file and nothing names a project (then no project is assumed).
/// </summary>
public static class ComposeProject
{
    private static readonly string[] DefaultFileNames = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

    /// <summary>The project's name (lower case, as compose normalises it), or null when none can be known.</summary>
    public static string? NameOf(IReadOnlyDictionary<string, string?> environment, string workingDirectory)
    {
        var dotEnvPath = Path.Combine(workingDirectory, ".env");
        var (dotEnvText, _) = Tools.SmallFile.TryRead(dotEnvPath, 1 << 20, followLinks: true);
        var dotEnv = dotEnvText is null ? new Dictionary<string, string>() : DotEnvFile.Parse(dotEnvText, dotEnvPath, name => environment.GetValueOrDefault(name));
        string? Setting(string name) => environment.GetValueOrDefault(name) is { Length: > 0 } value ? value : dotEnv.GetValueOrDefault(name) is { Length: > 0 } fromFile ? fromFile : null;

        if (Setting("COMPOSE_PROJECT_NAME") is { } named)
        {
            return Normalise(named);
        }

        var file = Setting("COMPOSE_FILE")?.Split(Setting("COMPOSE_PATH_SEPARATOR") ?? ":", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() is { } first
            ? Path.GetFullPath(first, workingDirectory)
            : DefaultFileNames.Select(n => Path.Combine(workingDirectory, n)).FirstOrDefault(File.Exists);
        if (file is null)
        {
            return null;
        }

        return TopLevelName(file) is { } name ? Normalise(name) : Normalise(Path.GetFileName(Path.GetDirectoryName(file)!));
    }

    // compose's normalisation: lower case, letters, digits, '-' and '_', not starting with either of the last two.
    private static string? Normalise(string name)
    {
        var normalised = new string(name.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').ToArray()).TrimStart('-', '_');
        return normalised.Length == 0 ? null : normalised;
    }

    private static string? TopLevelName(string file)
    {
        var (text, _) = Tools.SmallFile.TryRead(file, 4 << 20, followLinks: true);
        if (text is null)
        {
            return null;
        }

        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root && root.Children.TryGetValue(new YamlScalarNode("name"), out var value) && value is YamlScalarNode { Value: { Length: > 0 } name }
                ? name
                : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // A compose file that does not parse says so where its image is read; here it names no project.
            return null;
        }
    }
}
