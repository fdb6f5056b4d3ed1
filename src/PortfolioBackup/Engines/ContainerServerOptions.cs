namespace PortfolioBackup.Engines;

/// <summary>How to start a throwaway PostgreSQL container of the production image.</summary>
public sealed record ContainerServerOptions
{
    /// <summary>The image, e.g. <c>postgres:15</c>; never pulled when present locally.</summary>
    public required string Image { get; init; }

    /// <summary>Host folders bind-mounted read-only at the same path, so the container's tools read dumps in place.</summary>
    public IReadOnlyList<string> MountDirectories { get; init; } = [];

    /// <summary>Put the data directory on a tmpfs (fast; only when the restored size fits in memory).</summary>
    public bool DataOnTmpfs { get; init; }

    /// <summary>How long to wait for the container's server to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
