using PortfolioBackup.Compose;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>Chooses the restore engine (auto, container, local), finds the production image and starts the server.</summary>
public static class RestoreServerFactory
{
    /// <summary>Resolves the image, picks the engine and starts a throwaway server; the result says what was chosen and why.</summary>
    public static async Task<StartedRestoreServer> StartAsync(
        RestoreServerOptions options,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        var notes = new List<string>();
        var image = await ResolveImageAsync(options, environment, notes, cancellationToken);

        switch (options.Engine)
        {
            case RestoreEngine.Container:
                if (image is null)
                {
                    throw new ConfigurationException(
                        [$"'--engine container' needs the production image, and none is known ({notes.LastOrDefault() ?? "no image given"})"],
                        "Pass '--image postgres:15' or '--compose-file docker-compose.yml' (and '--service db' when the service has another name).");
                }

                var docker = await DockerAvailability.CheckAsync(environment, DockerAvailability.DefaultTimeout, cancellationToken);
                if (!docker.Available)
                {
                    throw new ServerStartException($"'--engine container' needs Docker, which does not answer: {docker.Detail}. Start Docker or use '--engine local'.");
                }

                return WithCleanupNotes(await StartContainerAsync(options, image, cancellationToken), $"engine: container ({image.Image})", notes);

            case RestoreEngine.Local:
                return await StartLocalAsync(options, image, "engine: local (chosen with --engine local)", notes, environment, cancellationToken);

            default:
                var status = await DockerAvailability.CheckAsync(environment, DockerAvailability.DefaultTimeout, cancellationToken);
                if (status.Available && image is not null)
                {
                    return WithCleanupNotes(await StartContainerAsync(options, image, cancellationToken), $"engine: container ({image.Image}; Docker available)", notes);
                }

                var why = status.Available ? "no production image known" : $"Docker not available: {status.Detail}";
                return await StartLocalAsync(options, image, $"engine: local ({why})", notes, environment, cancellationToken);
        }
    }

    /// <summary>The production image: the explicit one, else the compose files' service image, else null (with a note saying why).</summary>
    public static async Task<ComposeImage?> ResolveImageAsync(
        RestoreServerOptions options,
        IReadOnlyDictionary<string, string?> environment,
        ICollection<string> notes,
        CancellationToken cancellationToken = default)
    {
        if (!string.IsNullOrWhiteSpace(options.Image))
        {
            return new ComposeImage(options.Image, options.Compose.ServiceName, []);
        }

        try
        {
            var resolved = await ComposeImageResolver.ResolveAsync(options.Compose, environment, cancellationToken);
            notes.Add($"image {resolved.Image} from service '{resolved.ServiceName}' in {string.Join(", ", resolved.Files)}");
            return resolved;
        }
        catch (ComposeException ex)
        {
            notes.Add($"no production image: {ex.Message}");
            return null;
        }
    }

    private static StartedRestoreServer WithCleanupNotes(ContainerRestoreServer server, string decision, List<string> notes)
    {
        notes.AddRange(server.CleanupNotes);
        return new(server, decision, notes);
    }

    private static async Task<ContainerRestoreServer> StartContainerAsync(RestoreServerOptions options, ComposeImage image, CancellationToken cancellationToken) =>
        await ContainerRestoreServer.StartAsync(
            new ContainerServerOptions { Image = image.Image, MountDirectories = options.MountDirectories, StartTimeout = options.StartTimeout },
            cancellationToken);

    private static async Task<StartedRestoreServer> StartLocalAsync(
        RestoreServerOptions options,
        ComposeImage? image,
        string decision,
        List<string> notes,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken)
    {
        var wanted = image?.MajorVersion;
        PgBinaries binaries;
        if (wanted is { } major)
        {
            try
            {
                binaries = PgBinaries.Discover(major, environment);
            }
            catch (ToolNotFoundException)
            {
                var installed = PgBinaries.Discover(null, environment);
                if (!options.AllowVersionMismatch)
                {
                    throw new VersionMismatchException(image!.Image, major, $"only PostgreSQL {installed.MajorVersion} programs (in {installed.Directory})");
                }

                binaries = installed;
                notes.Add($"version mismatch allowed: production image {image!.Image} is PostgreSQL {major}, the local engine runs PostgreSQL {installed.MajorVersion}");
            }
        }
        else
        {
            binaries = PgBinaries.Discover(null, environment);
            if (image is not null)
            {
                notes.Add($"the major version of {image.Image} is not in its tag; the local engine runs PostgreSQL {binaries.MajorVersion} unchecked");
            }
            else
            {
                notes.Add($"the local engine runs PostgreSQL {binaries.MajorVersion}, unchecked against production");
            }
        }

        var server = await LocalRestoreServer.StartAsync(
            new LocalServerOptions
            {
                MajorVersion = binaries.MajorVersion,
                StartTimeout = options.StartTimeout,
                DataOnRam = options.DataOnRam,
                RemoveFolderAfterExit = options.RemoveFolderAfterExit,
            },
            cancellationToken);
        notes.AddRange(server.CleanupNotes);
        if (options.DataOnRam)
        {
            notes.Add($"the throwaway cluster's data directory is in RAM ({DataPlacement.RamDirectory}): the dumps fit in a third of the free memory");
        }

        return new(server, decision, notes);
    }
}
