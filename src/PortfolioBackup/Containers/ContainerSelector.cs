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

    /// <summary>
    /// The OS account the tools run as inside the container (BACKUP_CONTAINER_USER, <c>docker exec --user</c>), for a
    /// container whose local connections use peer authentication; null runs them as the container's default user.
    /// </summary>
    public string? ExecUser { get; init; }

    /// <summary>The running container's name; throws <see cref="ContainerNotFoundException"/> saying what was found and what to do.</summary>
    public Task<string> ResolveAsync(CancellationToken cancellationToken = default) =>
        Name is { } name ? ContainerLocator.ByNameAsync(name, cancellationToken)
        : ComposeService is { } service ? ContainerLocator.ByComposeServiceAsync(service, ComposeProject, cancellationToken)
        : throw new InvalidOperationException("a container selector names a container or a compose service");

    /// <summary>"container NAME" or "compose service db", for messages.</summary>
    public string Describe() => Name is not null ? $"container {Name}" : $"compose service {ComposeService}{(ComposeProject is null ? string.Empty : $" (project {ComposeProject})")}";
}

/// <summary>A program of a running container, through <c>docker exec</c>, connecting to PostgreSQL over the container's own socket.</summary>
internal static class ContainerExec
{
    /// <summary>
    /// <c>docker exec [-i] --env PGUSER=… [--env PGPASSWORD] CONTAINER tool args</c>: the password travels by name only (docker
    /// copies the value from its own environment), so it never appears in an argument list.
    /// </summary>
    public static Tools.ToolInvocation Invocation(
        string container, Configuration.ConnectionSettings connection, string tool, IReadOnlyList<string> arguments, bool interactive = false, string? execUser = null)
    {
        var dockerArguments = new List<string> { "exec" };
        if (interactive)
        {
            dockerArguments.Add("--interactive");
        }

        // The database by environment, not --dbname: a name holding '=' would be read as a connection string.
        dockerArguments.AddRange(["--env", $"PGUSER={connection.User}", "--env", $"PGDATABASE={connection.Database}", "--env", $"PGOPTIONS={Configuration.ConnectionSettings.NoTimeoutsOptions}"]);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["PGPASSWORD"] = connection.Password };
        if (connection.Password is not null)
        {
            dockerArguments.AddRange(["--env", "PGPASSWORD"]);
        }

        if (execUser is not null)
        {
            dockerArguments.AddRange(["--user", execUser]);
        }

        dockerArguments.AddRange([container, tool, .. arguments]);
        return new Tools.ToolInvocation("docker", dockerArguments)
        {
            Environment = environment,
            Secrets = connection.Password is null ? [] : [connection.Password],
        };
    }

    /// <summary>
    /// Like <see cref="Invocation"/>, but the program dies with us: Docker does not pass a client's death on to what it
    /// exec'd, so a pg_dump whose client was cancelled or killed would go on dumping production to nobody. The program runs
    /// under a small sh that kills it when its stdin (held open by us, for as long as we live) reaches its end.
    /// </summary>
    public static Tools.ToolInvocation Tethered(string container, Configuration.ConnectionSettings connection, string tool, IReadOnlyList<string> arguments, string? execUser = null) =>
        Invocation(container, connection, "sh", ["-c", TetherScript, "sh", tool, .. arguments], interactive: true, execUser) with
        {
            StandardInputWriter = HoldOpenAsync,
        };

    // fd 3 keeps our stdin; the program gets none (<&-) and runs in the background; a watcher kills it at our stdin's end.
    private const string TetherScript = "exec 3<&0; \"$@\" <&- & p=$!; (cat <&3 >/dev/null; kill $p 2>/dev/null) >/dev/null 2>&1 & wait $p";

    // Our end of the tether: open until the program ends (CliWrap then cancels the writer) or we die.
    private static async Task HoldOpenAsync(Stream stdin, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The program finished, or the run was cancelled: either way stdin closes now.
        }
    }
}
