using System.Diagnostics;
using Docker.DotNet;
using DotNet.Testcontainers.Configurations;
using PortfolioBackup.Engines;

namespace PortfolioBackup.Tests.Engines;

/// <summary>Containers never outlive their server object: disposal, cancellation and failed starts; missing images fail fast.</summary>
[Collection(ContainerLifecycleCollection.Name)]
public sealed class ContainerLifecycleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Docker_daemon_of_this_machine_answers()
    {
        var status = await DockerAvailability.CheckAsync();

        status.Available.Should().BeTrue(status.Detail);
    }

    [Fact]
    public async Task Disposed_server_leaves_no_container_behind()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var server = await ContainerRestoreServer.StartAsync(new ContainerServerOptions { Image = "postgres:15", DataOnTmpfs = true }, timeout.Token);
        using var docker = DockerClient();
        var inspected = await docker.Containers.InspectContainerAsync(server.ContainerId, timeout.Token);
        inspected.Config!.Labels.Should().Contain("org.testcontainers", "true");

        await server.DisposeAsync();

        await AssertGoneAsync(docker, server.ContainerId, timeout.Token);
    }

    [Fact]
    public async Task Cancelled_tool_run_stops_and_removes_the_container()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var server = await ContainerRestoreServer.StartAsync(new ContainerServerOptions { Image = "postgres:15", DataOnTmpfs = true }, timeout.Token);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var watch = Stopwatch.StartNew();

        var act = () => server.RunToolAsync("sleep", ["120"], cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60));
        using var docker = DockerClient();
        await AssertGoneAsync(docker, server.ContainerId, timeout.Token);
    }

    [Fact]
    public async Task Cancelled_start_leaves_no_container()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var docker = DockerClient();
        var before = await ContainerIdsAsync(docker, timeout.Token);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        ContainerRestoreServer? started = null;

        var act = async () => started = await ContainerRestoreServer.StartAsync(new ContainerServerOptions { Image = "postgres:15" }, cancel.Token);

        try
        {
            await act.Should().ThrowAsync<OperationCanceledException>();
        }
        finally
        {
            if (started is not null)
            {
                await started.DisposeAsync();
            }
        }

        (await ContainerIdsAsync(docker, timeout.Token)).Should().BeSubsetOf(before);
    }

    [Fact]
    public async Task Missing_image_fails_clearly_without_hanging()
    {
        // A registry on a closed loopback port: the pull is really attempted and fails, and nothing leaves this machine.
        const string image = "127.0.0.1:9/portfolio/postgres:99";
        var watch = Stopwatch.StartNew();

        var act = () => ContainerRestoreServer.StartAsync(new ContainerServerOptions { Image = image, StartTimeout = TimeSpan.FromSeconds(60) })
            .WaitAsync(TimeSpan.FromSeconds(90));

        var error = await act.Should().ThrowAsync<ContainerEngineException>();
        error.Which.Message.Should().StartWith($"image {image} is not present locally and could not be pulled: ").And.EndWith("build or load it, or pass --image")
            .And.NotContain("{\"message\"");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(75));
    }

    [Fact]
    public async Task Server_not_ready_within_the_start_timeout_fails_with_its_log_and_leaves_no_container()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var docker = DockerClient();
        var before = await ContainerIdsAsync(docker, timeout.Token);

        var act = () => ContainerRestoreServer.StartAsync(new ContainerServerOptions { Image = "postgres:15", StartTimeout = TimeSpan.FromMilliseconds(500) }, timeout.Token);

        (await act.Should().ThrowAsync<ServerStartException>()).Which.Message.Should().Contain("postgres:15").And.Contain("Container log:");
        (await ContainerIdsAsync(docker, timeout.Token)).Should().BeSubsetOf(before);
    }

    [Fact]
    public async Task Missing_mount_folder_is_reported_before_any_container_starts()
    {
        var folder = "/nonexistent-" + Guid.NewGuid().ToString("N");

        var act = () => ContainerRestoreServer.StartAsync(new ContainerServerOptions { Image = "postgres:15", MountDirectories = [folder] });

        (await act.Should().ThrowAsync<ContainerEngineException>()).Which.Message.Should().Contain(folder).And.Contain("does not exist");
    }

    private static DockerClient DockerClient() => TestcontainersSettings.OS.DockerEndpointAuthConfig.GetDockerClientBuilder(Guid.NewGuid()).Build();

    private static async Task<IReadOnlyList<string>> ContainerIdsAsync(DockerClient docker, CancellationToken cancellationToken) =>
        (await docker.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters { All = true }, cancellationToken)).Select(c => c.ID).ToList();

    private static async Task AssertGoneAsync(DockerClient docker, string id, CancellationToken cancellationToken)
    {
        var act = () => docker.Containers.InspectContainerAsync(id, cancellationToken);
        await act.Should().ThrowAsync<DockerContainerNotFoundException>("the container {0} must be removed", id);
    }
}

/// <summary>Lifecycle tests compare the daemon's container list before and after, so no other test may start containers meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainerLifecycleCollection
{
    public const string Name = "docker-lifecycle";
}
