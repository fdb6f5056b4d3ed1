namespace PortfolioBackup.Containers;

/// <summary>Finds the running container that holds the database, by name or by its compose service label (no compose plugin needed).</summary>
public static class ContainerLocator
{
    /// <summary>The label docker compose puts on every service container.</summary>
    public const string ComposeServiceLabel = "com.docker.compose.service";

    /// <summary>Checks that the named container exists and runs; returns its name.</summary>
    public static async Task<string> ByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        var result = await DockerCli.RunAsync(["inspect", "--type", "container", "--format", "{{.State.Running}}", name], cancellationToken);
        if (!result.Succeeded && DaemonProblem(result.StandardError) is { } daemon)
        {
            throw new ContainerNotFoundException(daemon);
        }

        if (!result.Succeeded)
        {
            throw new ContainerNotFoundException($"no container named '{name}' exists ({ToolRunnerTail(result.StandardError)}). " +
                $"Run 'docker ps' to see the running containers, or use --compose-service SERVICE to find it by its compose service.");
        }

        if (result.StandardOutput.Trim() != "true")
        {
            throw new ContainerNotFoundException($"the container '{name}' exists but is not running. Start it (e.g. 'docker compose up -d db') and run the command again.");
        }

        return name;
    }

    /// <summary>The label docker compose puts on every container with its project's name.</summary>
    public const string ComposeProjectLabel = "com.docker.compose.project";

    /// <summary>
    /// Finds the one running container labelled with the compose service, and with <paramref name="project"/> the compose
    /// project (as <c>docker compose exec</c> does); zero or several matches are an error listing what was found.
    /// </summary>
    public static async Task<string> ByComposeServiceAsync(string service, string? project = null, CancellationToken cancellationToken = default)
    {
        var matches = await ListAsync($"label={ComposeServiceLabel}={service}", cancellationToken);
        if (project is not null)
        {
            // As docker compose exec: the service of this folder's project, never another app's db on the same host.
            var elsewhere = matches.Where(m => m.Project != project).ToList();
            matches = matches.Where(m => m.Project == project).ToList();
            if (matches.Count == 0)
            {
                var running = elsewhere.Count == 0 ? "none is running" : "running: " + string.Join(", ", elsewhere.Select(o => $"{o.Name} (project {o.Project})"));
                throw new ContainerNotFoundException(
                    $"no running container belongs to compose service '{service}' of project '{project}' ({running}). Start it from the app's folder " +
                    $"('docker compose up -d {service}'), run from that folder or set COMPOSE_PROJECT_NAME, or name the container with --container NAME.");
            }
        }

        if (matches.Count == 1)
        {
            return matches[0].Name;
        }

        if (matches.Count > 1)
        {
            throw new ContainerNotFoundException(
                $"{matches.Count} running containers belong to compose service '{service}': {string.Join(", ", matches.Select(m => $"{m.Name} (project {m.Project})"))}. " +
                "Name the one you mean with --container NAME (or set COMPOSE_PROJECT_NAME).");
        }

        var others = await ListAsync($"label={ComposeServiceLabel}", cancellationToken);
        var seen = others.Count == 0
            ? "no running container has a compose service label"
            : "running compose services: " + string.Join(", ", others.Select(o => $"{o.Service} ({o.Name})"));
        throw new ContainerNotFoundException(
            $"no running container belongs to compose service '{service}' ({seen}). Start it (e.g. 'docker compose up -d {service}'), " +
            "pass the right service with --compose-service, or name the container with --container NAME.");
    }

    private static async Task<List<(string Name, string Service, string Project)>> ListAsync(string filter, CancellationToken cancellationToken)
    {
        var result = await DockerCli.RunAsync(
            ["ps", "--filter", filter, "--format", $"{{{{.Names}}}}\t{{{{.Label \"{ComposeServiceLabel}\"}}}}\t{{{{.Label \"{ComposeProjectLabel}\"}}}}"],
            cancellationToken);
        if (!result.Succeeded)
        {
            throw new ContainerNotFoundException(DaemonProblem(result.StandardError) ?? $"docker ps failed: {ToolRunnerTail(result.StandardError)}");
        }

        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Select(f => (f[0], f.Length > 1 ? f[1] : string.Empty, f.Length > 2 && f[2].Length > 0 ? f[2] : "none"))
            .OrderBy(m => m.Item1, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Docker itself does not answer (no daemon, no permission on its socket): said as such, never as "no such container".</summary>
    internal static string? DaemonProblem(string stderr) =>
        stderr.Contains("Cannot connect to the Docker daemon", StringComparison.Ordinal) || stderr.Contains("permission denied while trying to connect", StringComparison.Ordinal)
            ? $"Docker does not answer ({Tools.ToolRunner.Tail(stderr).ReplaceLineEndings(" ").Trim()}): start the Docker daemon, or check DOCKER_HOST and your access to its socket"
            : null;

    private static string ToolRunnerTail(string stderr) => Tools.ToolRunner.Tail(stderr).ReplaceLineEndings(" ").Trim() is { Length: > 0 } tail ? tail : "docker inspect failed";
}

/// <summary>The database's container was not found, is not running, or the compose service matched several.</summary>
public sealed class ContainerNotFoundException : PortfolioBackupException
{
    /// <summary>Creates the exception with what was found and what to do.</summary>
    public ContainerNotFoundException(string message)
        : base(message)
    {
    }
}
