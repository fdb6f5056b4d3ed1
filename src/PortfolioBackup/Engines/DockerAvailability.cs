namespace PortfolioBackup.Engines;

/// <summary>Whether a Docker daemon answers, and if not, why (for "auto" engine selection and clear errors).</summary>
public sealed record DockerStatus(bool Available, string Detail);

/// <summary>Asks the Docker daemon (the socket Testcontainers would use) whether it answers.</summary>
public static class DockerAvailability
{
    /// <summary>Checks, with a short timeout, whether a Docker daemon answers.</summary>
    public static Task<DockerStatus> CheckAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new DockerStatus(false, "the container engine is not implemented yet"));
}
