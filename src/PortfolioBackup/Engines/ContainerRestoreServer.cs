using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>A throwaway PostgreSQL container of the production image (Testcontainers), removed when disposed.</summary>
public sealed class ContainerRestoreServer : IRestoreServer
{
    private ContainerRestoreServer()
    {
    }

    /// <inheritdoc />
    public string EngineName => "container";

    /// <inheritdoc />
    public string? Image => null;

    /// <inheritdoc />
    public int MajorVersion => 0;

    /// <inheritdoc />
    public string ServerVersion => string.Empty;

    /// <summary>Starts a container of the image and waits until its server accepts connections.</summary>
    public static Task<ContainerRestoreServer> StartAsync(ContainerServerOptions options, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the container engine is not implemented yet");

    /// <inheritdoc />
    public string ConnectionString(string database) => throw new NotSupportedException();

    /// <inheritdoc />
    public Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    /// <inheritdoc />
    public Task<ToolResult> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
