using System.Net;
using System.Net.Sockets;
using System.Text;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>Whether a Docker daemon answers, and if not, why (for "auto" engine selection and clear errors).</summary>
public sealed record DockerStatus(bool Available, string Detail);

/// <summary>Asks the Docker daemon (the socket Testcontainers would use) whether it answers.</summary>
public static class DockerAvailability
{
    private const string DefaultSocket = "/var/run/docker.sock";

    /// <summary>How long a check waits for the daemon before calling it unavailable.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Checks, with a short timeout, whether a Docker daemon answers.</summary>
    public static Task<DockerStatus> CheckAsync(CancellationToken cancellationToken = default) =>
        CheckAsync(EnvironmentVariables.Current(), DefaultTimeout, cancellationToken);

    /// <summary>Checks the daemon that DOCKER_HOST (or the default socket) in <paramref name="environment"/> names, giving up after <paramref name="timeout"/>.</summary>
    internal static async Task<DockerStatus> CheckAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var host = environment.GetValueOrDefault("DOCKER_HOST") is { Length: > 0 } h ? h : "unix://" + DefaultSocket;
        EndPoint endPoint;
        string where;
        if (host.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = host["unix://".Length..];
            where = $"the Docker socket {path}";
            if (!File.Exists(path))
            {
                return new DockerStatus(false, $"{where} does not exist (is Docker installed and running? set DOCKER_HOST if it listens elsewhere)");
            }

            endPoint = new UnixDomainSocketEndPoint(path);
        }
        else if (host.StartsWith("tcp://", StringComparison.Ordinal) && Uri.TryCreate(host, UriKind.Absolute, out var uri))
        {
            where = $"the Docker daemon at {host}";
            endPoint = new DnsEndPoint(uri.Host, uri.Port > 0 ? uri.Port : 2375);
        }
        else
        {
            return new DockerStatus(false, $"DOCKER_HOST={host} is not a unix:// or tcp:// address");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var socket = endPoint is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, deadline.Token);
            if (environment.GetValueOrDefault("DOCKER_TLS_VERIFY") is { Length: > 0 })
            {
                // Speaking TLS needs the client certificates; a daemon that accepts the connection is enough to try it.
                return new DockerStatus(true, $"{where} accepts connections (TLS)");
            }

            var request = Encoding.ASCII.GetBytes("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);
            var buffer = new byte[256];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            var statusLine = Encoding.ASCII.GetString(buffer, 0, read).Split('\n')[0].Trim();
            return statusLine.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || statusLine.StartsWith("HTTP/1.0 200", StringComparison.Ordinal)
                ? new DockerStatus(true, $"{where} answers")
                : new DockerStatus(false, $"{where} did not answer a ping with 200 OK but with \"{(read == 0 ? "nothing" : statusLine)}\"");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DockerStatus(false, $"{where} did not answer within {timeout.TotalSeconds:0.#} s (is the daemon hung or starting?)");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            return new DockerStatus(false, $"permission denied on {where}; run as a member of the docker group or as root");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return new DockerStatus(false, $"{where} refused the connection: the Docker daemon is not running; start it");
        }
        catch (SocketException ex)
        {
            return new DockerStatus(false, $"{where} could not be reached: {ex.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            return new DockerStatus(false, $"permission denied on {where}; run as a member of the docker group or as root");
        }
    }
}
