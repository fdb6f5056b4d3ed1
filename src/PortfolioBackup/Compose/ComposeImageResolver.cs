namespace PortfolioBackup.Compose;

/// <summary>Resolves the database service's image from compose files the way `docker compose config` would.</summary>
public static class ComposeImageResolver
{
    /// <summary>Reads the compose files, merges them, interpolates variables from the environment and `.env`, and returns the service's image.</summary>
    public static Task<ComposeImage> ResolveAsync(ComposeOptions options, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken = default) =>
        throw new ComposeException("compose resolution is not implemented yet");
}
