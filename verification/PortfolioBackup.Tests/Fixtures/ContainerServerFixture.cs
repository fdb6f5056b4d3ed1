using PortfolioBackup.Engines;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>One running container of a local PostgreSQL image per test class, with a host folder bind-mounted read-only.</summary>
public abstract class ContainerServerFixture(string image) : IAsyncLifetime
{
    /// <summary>Bind-mounted into the container at the same path.</summary>
    public TempDirectory MountedDirectory { get; } = new();

    public ContainerRestoreServer Server { get; private set; } = null!;

    public string Image { get; } = image;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        Server = await ContainerRestoreServer.StartAsync(
            new ContainerServerOptions { Image = Image, MountDirectories = [MountedDirectory.Path], DataOnTmpfs = true },
            timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        MountedDirectory.Dispose();
    }
}

public sealed class Postgres15ContainerFixture() : ContainerServerFixture("postgres:15");

public sealed class Postgres17ContainerFixture() : ContainerServerFixture("postgres:17");
