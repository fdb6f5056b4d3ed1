using System.Diagnostics;
using System.Net.Sockets;
using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Engines;

/// <summary>Docker-free: what the availability probe says when no daemon answers, and that it never hangs.</summary>
public sealed class DockerAvailabilityTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Missing_socket_is_reported_with_its_path()
    {
        var socket = _dir.Combine("docker.sock");

        var status = await CheckAsync("unix://" + socket);

        status.Available.Should().BeFalse();
        status.Detail.Should().Contain(socket).And.Contain("does not exist");
    }

    [Fact]
    public async Task Socket_without_a_daemon_is_reported_as_not_running()
    {
        var path = _dir.Combine("docker.sock");
        // Bound but not listening: the socket file exists and connections are refused, as after a daemon crash.
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(path));

        var status = await CheckAsync("unix://" + path);

        status.Available.Should().BeFalse();
        status.Detail.Should().Contain("refused").And.Contain("not running");
    }

    [Fact]
    public async Task Daemon_that_accepts_but_never_answers_is_reported_within_the_timeout()
    {
        var path = _dir.Combine("docker.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var watch = Stopwatch.StartNew();

        var status = await CheckAsync("unix://" + path, TimeSpan.FromMilliseconds(500));

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        status.Available.Should().BeFalse();
        status.Detail.Should().Contain("did not answer within");
    }

    [Fact]
    public async Task Socket_answering_something_else_than_docker_is_not_available()
    {
        var path = _dir.Combine("docker.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptAsync();
            await client.ReceiveAsync(new byte[1024], SocketFlags.None);
            await client.SendAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), SocketFlags.None);
        });

        var status = await CheckAsync("unix://" + path);
        await server.WaitAsync(TimeSpan.FromSeconds(5));

        status.Available.Should().BeFalse();
        status.Detail.Should().Contain("404");
    }

    [Fact]
    public async Task Unsupported_docker_host_scheme_is_reported()
    {
        var status = await CheckAsync("ssh://user@host");

        status.Available.Should().BeFalse();
        status.Detail.Should().Contain("ssh://user@host");
    }

    private static Task<DockerStatus> CheckAsync(string dockerHost, TimeSpan? timeout = null) =>
        DockerAvailability.CheckAsync(new Dictionary<string, string?> { ["DOCKER_HOST"] = dockerHost }, timeout ?? TimeSpan.FromSeconds(3), CancellationToken.None);
}
