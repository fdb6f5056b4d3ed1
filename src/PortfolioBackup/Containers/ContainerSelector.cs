namespace PortfolioBackup.Containers;

/// <summary>
/// Which running container holds the database: one named directly (<c>--container</c>, BACKUP_CONTAINER), or the one of a
/// compose service (<c>--compose-service</c>, BACKUP_COMPOSE_SERVICE), found by its labels the way <c>docker compose exec</c>
/// finds it, without needing the compose plugin.
/// </summary>
public sealed record ContainerSelector
{
    /// <summary>The container's name; null when found by compose service.</summary>
    public string? Name { get; init; }

    /// <summary>The compose service; null when named directly.</summary>
    public string? ComposeService { get; init; }

    /// <summary>
    /// The compose project that should own the service (COMPOSE_PROJECT_NAME, else the folder of the compose file), so two
    /// projects with a <c>db</c> service on one host do not mix; null when unknown.
    /// </summary>
    public string? ComposeProject { get; init; }

    /// <summary>The running container's name; throws <see cref="ContainerNotFoundException"/> saying what was found and what to do.</summary>
    public Task<string> ResolveAsync(CancellationToken cancellationToken = default) =>
        Name is { } name ? ContainerLocator.ByNameAsync(name, cancellationToken)
        : ComposeService is { } service ? ContainerLocator.ByComposeServiceAsync(service, ComposeProject, cancellationToken)
        : throw new InvalidOperationException("a container selector names a container or a compose service");

    /// <summary>"container NAME" or "compose service db", for messages.</summary>
    public string Describe() => Name is not null ? $"container {Name}" : $"compose service {ComposeService}{(ComposeProject is null ? string.Empty : $" (project {ComposeProject})")}";

    /// <summary>
    /// The project name docker compose gives a folder: its name in lower case, keeping only letters, digits, '-' and '_'
    /// (compose's own normalisation), or null when nothing is left.
    /// </summary>
    public static string? ProjectNameOf(string folder)
    {
        var name = new string(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))).ToLowerInvariant()
            .Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').ToArray()).TrimStart('-', '_');
        return name.Length == 0 ? null : name;
    }
}

/// <summary>A program of a running container, through <c>docker exec</c>, connecting to PostgreSQL over the container's own socket.</summary>
internal static class ContainerExec
{
    /// <summary>
    /// <c>docker exec [-i] --env PGUSER=… [--env PGPASSWORD] CONTAINER tool args</c>: the password travels by name only (docker
    /// copies the value from its own environment), so it never appears in an argument list.
    /// </summary>
    public static Tools.ToolInvocation Invocation(string container, Configuration.ConnectionSettings connection, string tool, IReadOnlyList<string> arguments, bool interactive = false)
    {
        var dockerArguments = new List<string> { "exec" };
        if (interactive)
        {
            dockerArguments.Add("--interactive");
        }

        dockerArguments.AddRange(["--env", $"PGUSER={connection.User}"]);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["PGPASSWORD"] = connection.Password };
        if (connection.Password is not null)
        {
            dockerArguments.AddRange(["--env", "PGPASSWORD"]);
        }

        dockerArguments.AddRange([container, tool, .. arguments]);
        return new Tools.ToolInvocation("docker", dockerArguments)
        {
            Environment = environment,
            Secrets = connection.Password is null ? [] : [connection.Password],
        };
    }
}
