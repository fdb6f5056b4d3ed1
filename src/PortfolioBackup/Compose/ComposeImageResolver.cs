using PortfolioBackup.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PortfolioBackup.Compose;

/// <summary>Resolves the database service's image from compose files the way `docker compose config` would.</summary>
public static class ComposeImageResolver
{
    // Docker compose's own order of preference for the default file.
    private static readonly string[] DefaultFileNames = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

    /// <summary>Reads the compose files, merges them, interpolates variables from the environment and `.env`, and returns the service's image.</summary>
    public static async Task<ComposeImage> ResolveAsync(ComposeOptions options, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);

        var workingDirectory = Directory.GetCurrentDirectory();
        var files = await SelectFilesAsync(options, environment, workingDirectory, cancellationToken);
        var projectDirectory = Path.GetFullPath(options.ProjectDirectory ?? Path.GetDirectoryName(files[0])!);
        var dotEnv = await ReadDotEnvAsync(projectDirectory, environment, cancellationToken);
        string? Lookup(string name) => environment.TryGetValue(name, out var value) && value is not null ? value : dotEnv.GetValueOrDefault(name);

        var serviceNames = new List<string>();
        var anyServices = false;
        ServiceDefinition? service = null;
        foreach (var file in files)
        {
            var root = await LoadAsync(file, cancellationToken);
            if (root is null || !TryGet(root, "services", out var servicesNode) || servicesNode is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                continue;
            }

            if (servicesNode is not YamlMappingNode services)
            {
                throw new ComposeException($"{file}: `services` must be a mapping of service names to definitions");
            }

            anyServices = true;
            foreach (var (key, definition) in services.Children)
            {
                var name = (key as YamlScalarNode)?.Value ?? string.Empty;
                if (!serviceNames.Contains(name, StringComparer.Ordinal))
                {
                    serviceNames.Add(name);
                }

                if (name == options.ServiceName)
                {
                    service = Merge(service, Read(definition, file, name, Lookup));
                }
            }
        }

        var fileList = string.Join(", ", files);
        if (!anyServices)
        {
            throw new ComposeException($"no services defined in {fileList}; is this the production compose file?");
        }

        if (service is null)
        {
            throw new ComposeException(
                $"service {options.ServiceName} not found in {fileList}; services there: {string.Join(", ", serviceNames)}; pass --service with the database's service name or --image");
        }

        if (service.Image is null)
        {
            throw service.HasBuild
                ? new ComposeException($"service {options.ServiceName} is built from a Dockerfile; pass --image with the image it produces (see build: in {service.BuildFile})")
                : new ComposeException($"service {options.ServiceName} in {fileList} has no image; pass --image with the image it runs");
        }

        return new ComposeImage(service.Image, options.ServiceName, files);
    }

    private static async Task<IReadOnlyList<string>> SelectFilesAsync(ComposeOptions options, IReadOnlyDictionary<string, string?> environment, string workingDirectory, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> candidates = options.Files;
        if (candidates.Count == 0)
        {
            // COMPOSE_FILE may come from the working directory's .env, as with docker compose.
            var dotEnv = await ReadDotEnvAsync(options.ProjectDirectory ?? workingDirectory, environment, cancellationToken);
            string? Setting(string name) => environment.TryGetValue(name, out var value) && value is not null ? value : dotEnv.GetValueOrDefault(name);
            if (Setting("COMPOSE_FILE") is { Length: > 0 } composeFile)
            {
                var separator = Setting("COMPOSE_PATH_SEPARATOR") is { Length: > 0 } s ? s : ":";
                candidates = composeFile.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
            else
            {
                var directory = Path.GetFullPath(options.ProjectDirectory ?? workingDirectory);
                var found = DefaultFileNames.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
                return found is not null
                    ? [found]
                    : throw new ComposeException(
                        $"no compose file found: looked for {string.Join(", ", DefaultFileNames)} in {directory}; pass --compose-file or --image");
            }
        }

        var files = candidates.Select(f => Path.GetFullPath(f, workingDirectory)).ToList();
        var missing = files.Where(f => !File.Exists(f)).ToList();
        return missing.Count == 0
            ? files
            : throw new ComposeException($"no compose file found: looked for {string.Join(", ", missing)}; pass --compose-file or --image");
    }

    private static async Task<IReadOnlyDictionary<string, string>> ReadDotEnvAsync(string directory, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, ".env");
        var text = await ReadAsync(path, cancellationToken);
        return text is null ? new Dictionary<string, string>() : DotEnvFile.Parse(text, path, name => environment.GetValueOrDefault(name));
    }

    // A compose file or .env that is a FIFO, a device or huge is named, never waited on.
    private static Task<string?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (text, problem) = Tools.SmallFile.TryRead(path, 4 << 20, followLinks: true);
        return problem is null ? Task.FromResult(text) : throw new ConfigurationException([$"{path} cannot be read: {problem}"]);
    }

    private static async Task<YamlMappingNode?> LoadAsync(string file, CancellationToken cancellationToken)
    {
        var text = await ReadAsync(file, cancellationToken) ?? throw new ConfigurationException([$"{file} does not exist"]);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ComposeException($"{file} is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}; fix the file", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return null;
        }

        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new ComposeException($"{file} is not a compose file: its top level is not a mapping; fix the file");
    }

    private static ServiceDefinition Read(YamlNode definition, string file, string name, Func<string, string?> lookup)
    {
        if (definition is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return new ServiceDefinition(null, false, null);
        }

        if (definition is not YamlMappingNode mapping)
        {
            throw new ComposeException($"{file}: service {name} must be a mapping");
        }

        string? image = null;
        if (TryGetWithMerge(mapping, "image", out var imageNode))
        {
            if (imageNode is not YamlScalarNode { Value: { } raw })
            {
                throw new ComposeException($"{file}: image of service {name} must be a string");
            }

            var unset = new List<string>();
            image = ComposeInterpolation.Interpolate(raw, lookup, $"{file} (image of service {name})", unset).Trim();
            if (ImageReference.Problem(image) is { } problem)
            {
                // The file names an image, only a wrong one: falling back to another engine would verify against the wrong server.
                var reason = unset.Count > 0 ? $"variable {string.Join(", ", unset)} is not set" : problem;
                throw new ConfigurationException(
                    [$"{file}: image of service {name} is \"{raw}\", which resolves to \"{image}\", an invalid image reference because {reason}"],
                    "Set the variable in the environment or in .env, fix the compose file, or pass --image.");
            }
        }

        var hasBuild = TryGetWithMerge(mapping, "build", out var build) && build is not YamlScalarNode { Value: null or "~" or "null" };
        return new ServiceDefinition(image, hasBuild, hasBuild ? file : null);
    }

    private static ServiceDefinition Merge(ServiceDefinition? earlier, ServiceDefinition later) =>
        earlier is null
            ? later
            : new ServiceDefinition(
                later.Image ?? earlier.Image,
                later.HasBuild || earlier.HasBuild,
                later.BuildFile ?? earlier.BuildFile);

    private static bool TryGet(YamlMappingNode mapping, string key, out YamlNode value)
    {
        foreach (var (k, v) in mapping.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key)
            {
                value = v;
                return true;
            }
        }

        value = null!;
        return false;
    }

    // Compose files often share settings through YAML merge keys (`<<: *defaults`).
    private static bool TryGetWithMerge(YamlMappingNode mapping, string key, out YamlNode value)
    {
        if (TryGet(mapping, key, out value))
        {
            return true;
        }

        if (TryGet(mapping, "<<", out var merged))
        {
            var sources = merged switch
            {
                YamlMappingNode single => [single],
                YamlSequenceNode many => many.Children.OfType<YamlMappingNode>().ToList(),
                _ => new List<YamlMappingNode>(),
            };
            foreach (var source in sources)
            {
                if (TryGetWithMerge(source, key, out value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private sealed record ServiceDefinition(string? Image, bool HasBuild, string? BuildFile);
}
