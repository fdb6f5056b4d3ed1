using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>How the stand-in endpoint answers.</summary>
public enum EndpointBehaviour
{
    /// <summary>200 OK, as healthchecks.io and a Slack webhook answer.</summary>
    Ok,

    /// <summary>500, every time.</summary>
    ServerError,

    /// <summary>Reads the request and never answers.</summary>
    Silent,

    /// <summary>Reads the request and resets the connection.</summary>
    Reset,

    /// <summary>307 Temporary Redirect to <see cref="RecordingHttpServer.RedirectTo"/> (a client that follows it re-sends the body).</summary>
    Redirect307,

    /// <summary>302 Found to <see cref="RecordingHttpServer.RedirectTo"/>.</summary>
    Redirect302,

    /// <summary>200 OK, then a body that never ends.</summary>
    EndlessBody,

    /// <summary>Reads the whole request, then takes <see cref="RecordingHttpServer.SlowAnswer"/> to answer 200 OK.</summary>
    Slow,
}

/// <summary>One request the endpoint received.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, string ContentType, string Body)
{
    public string Path => PathAndQuery.Split('?')[0];

    public string? Query(string name) =>
        PathAndQuery.Contains('?', StringComparison.Ordinal)
            ? PathAndQuery[(PathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == name).Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault()
            : null;
}

/// <summary>
/// A loopback HTTP endpoint that records every request, standing in for healthchecks.io and for a Slack webhook; it can
/// also lie (500s, silence, resets). Raw sockets, so that a silent or resetting endpoint behaves like a real broken one.
/// </summary>
public sealed class RecordingHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<TcpClient> _held = [];
    private readonly Task _loop;
    private long _bodyBytesSent;

    public RecordingHttpServer(EndpointBehaviour behaviour = EndpointBehaviour.Ok)
    {
        Behaviour = behaviour;
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public EndpointBehaviour Behaviour { get; set; }

    /// <summary>Where a redirect points.</summary>
    public string RedirectTo { get; set; } = "http://127.0.0.1:9/elsewhere";

    /// <summary>How long a slow endpoint takes to answer a request it has received whole.</summary>
    public TimeSpan SlowAnswer { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Bytes of answer bodies written (an endless body counts what the client let through).</summary>
    public long BodyBytesSent => Interlocked.Read(ref _bodyBytesSent);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>A URL on this endpoint, e.g. <c>Url("/ping/abc")</c>.</summary>
    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_held)
        {
            _held.ForEach(c => c.Dispose());
        }

        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            while (await ReadRequestAsync(stream) is { } request)
            {
                lock (_requests)
                {
                    _requests.Add(request);
                }

                switch (Behaviour)
                {
                    case EndpointBehaviour.Silent:
                        lock (_held)
                        {
                            _held.Add(client);
                        }

                        return;
                    case EndpointBehaviour.Reset:
                        client.Client.LingerState = new LingerOption(true, 0);
                        client.Dispose();
                        return;
                    case EndpointBehaviour.Redirect307 or EndpointBehaviour.Redirect302:
                        var redirect = Behaviour == EndpointBehaviour.Redirect307 ? "307 Temporary Redirect" : "302 Found";
                        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {redirect}\r\nLocation: {RedirectTo}\r\nContent-Length: 0\r\n\r\n"), _stop.Token);
                        break;
                    case EndpointBehaviour.EndlessBody:
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"), _stop.Token);
                        var chunk = new byte[64 << 10];
                        while (true)
                        {
                            await stream.WriteAsync(chunk, _stop.Token);
                            Interlocked.Add(ref _bodyBytesSent, chunk.Length);
                        }

                    case EndpointBehaviour.Slow:
                        await Task.Delay(SlowAnswer, _stop.Token);
                        goto default;
                    default:
                        var (status, text) = Behaviour == EndpointBehaviour.Ok ? ("200 OK", "OK") : ("500 Internal Server Error", "<html><body>oops</body></html>");
                        var response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {text.Length}\r\n\r\n{text}");
                        await stream.WriteAsync(response, _stop.Token);
                        break;
                }
            }

            client.Dispose();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            client.Dispose();
        }
    }

    private async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }

            head.Append((char)one[0]);
        }

        var lines = head.ToString().Split("\r\n");
        var requestLine = lines[0].Split(' ');
        string Header(string name) => lines.Skip(1).Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault() ?? string.Empty;
        var length = int.TryParse(Header("Content-Length"), out var n) ? n : 0;
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, _stop.Token);
        return new RecordedRequest(requestLine[0], requestLine[1], Header("Content-Type"), Encoding.UTF8.GetString(body));
    }
}
