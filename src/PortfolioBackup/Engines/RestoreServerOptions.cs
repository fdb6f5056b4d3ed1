using PortfolioBackup.Compose;

namespace PortfolioBackup.Engines;

/// <summary>Which kind of throwaway server to restore into.</summary>
public enum RestoreEngine
{
    /// <summary>A container of the production image when Docker answers and the image is known, else a local cluster.</summary>
    Auto,

    /// <summary>A container of the production image (Testcontainers); needs Docker and the image.</summary>
    Container,

    /// <summary>A throwaway cluster from local PostgreSQL binaries of the production major.</summary>
    Local,
}

/// <summary>How to choose and start the throwaway server dumps are restored into.</summary>
public sealed record RestoreServerOptions
{
    /// <summary>The engine; <see cref="RestoreEngine.Auto"/> by default.</summary>
    public RestoreEngine Engine { get; init; } = RestoreEngine.Auto;

    /// <summary>The production image, e.g. <c>postgres:15</c>; beats the compose files when set.</summary>
    public string? Image { get; init; }

    /// <summary>Where to find the production image when <see cref="Image"/> is not set.</summary>
    public ComposeOptions Compose { get; init; } = new();

    /// <summary>Lets the local engine run a major other than production's (the result then says so).</summary>
    public bool AllowVersionMismatch { get; init; }

    /// <summary>Host folders the container engine mounts read-only so its tools read dumps in place.</summary>
    public IReadOnlyList<string> MountDirectories { get; init; } = [];

    /// <summary>How long to wait for the server to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>For the local engine: put the cluster in RAM (see <see cref="DataPlacement"/>); the verifier sets it when the dumps fit.</summary>
    public bool DataOnRam { get; init; }

    /// <summary>For the local engine: see <see cref="LocalServerOptions.RemoveFolderAfterExit"/> (the command line sets it).</summary>
    public bool RemoveFolderAfterExit { get; init; }
}

/// <summary>A started restore server and why it was chosen ("engine: local (Docker not available: …)").</summary>
public sealed record StartedRestoreServer(IRestoreServer Server, string Decision, IReadOnlyList<string> Notes) : IAsyncDisposable
{
    /// <summary>Stops the server and removes its files or container.</summary>
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
