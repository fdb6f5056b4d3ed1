using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>
/// A loopback TCP proxy in front of an HTTP server that passes everything through, except the response to a GET whose
/// path ends with <see cref="CutPathSuffix"/>: its head and half its body are sent, then the connection is reset (RST), as a
/// flaky network or a dying load balancer does. Every such response is cut, every time.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _cuts;

    public CuttingProxy(Uri upstream)
    {
        _upstream = new IPEndPoint(IPAddress.Loopback, upstream.Port);
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    /// <summary>The proxy's own address, to use as the endpoint.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>The end of the request path whose responses are cut; null passes everything through.</summary>
    public string? CutPathSuffix { get; set; }

    /// <summary>True (default) ends a cut with a reset (RST); false with a clean close (FIN), the body simply shorter than announced.</summary>
    public bool Reset { get; set; } = true;

    /// <summary>How many responses were cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(cancellationToken);
            _ = Task.Run(() => ServeAsync(client, cancellationToken), cancellationToken);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using var upstream = new TcpClient();
        using (client)
        {
            try
            {
                await upstream.ConnectAsync(_upstream, cancellationToken);
                var armed = new StrongBox<bool>();
                var toServer = PumpRequestsAsync(client.GetStream(), upstream.GetStream(), armed, cancellationToken);
                var toClient = PumpResponsesAsync(upstream.GetStream(), client, armed, cancellationToken);
                await Task.WhenAny(toServer, toClient);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A connection the client or the test closed.
            }
        }
    }

    // Requests go through unchanged; a GET of the chosen path arms the cut of the response that follows it.
    private async Task PumpRequestsAsync(Stream from, Stream to, StrongBox<bool> armed, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var text = Encoding.ASCII.GetString(buffer, 0, read);
            if (CutPathSuffix is { } suffix && text.StartsWith("GET ", StringComparison.Ordinal)
                && text.Split(' ', 3) is [_, var path, _] && path.Split('?')[0].EndsWith(suffix, StringComparison.Ordinal))
            {
                armed.Value = true;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private async Task PumpResponsesAsync(Stream from, TcpClient client, StrongBox<bool> armed, CancellationToken cancellationToken)
    {
        var to = client.GetStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            // No pipelining: bytes that arrive after the armed request was passed on are its response.
            if (armed.Value)
            {
                await CutAsync(buffer.AsMemory(0, read), from, client, cancellationToken);
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private async Task CutAsync(ReadOnlyMemory<byte> start, Stream from, TcpClient client, CancellationToken cancellationToken)
    {
        // The response so far, read on until its head is whole; then half of the Content-Length it announced goes out.
        var received = new MemoryStream();
        received.Write(start.Span);
        var buffer = new byte[64 * 1024];
        int headEnd;
        while ((headEnd = IndexOfBlankLine(received.GetBuffer().AsSpan(0, (int)received.Length))) < 0)
        {
            var read = await from.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            received.Write(buffer, 0, read);
        }

        var head = Encoding.ASCII.GetString(received.GetBuffer(), 0, headEnd);
        var length = head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => long.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        var wanted = headEnd + (length / 2);
        while (received.Length < wanted)
        {
            var read = await from.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        var to = client.GetStream();
        await to.WriteAsync(received.GetBuffer().AsMemory(0, (int)Math.Min(wanted, received.Length)), cancellationToken);
        await to.FlushAsync(cancellationToken);
        Interlocked.Increment(ref _cuts);

        // Linger 0 makes Close send RST ("Connection reset by peer"); otherwise a FIN ends a body shorter than announced.
        if (Reset)
        {
            client.Client.LingerState = new LingerOption(true, 0);
        }

        client.Client.Close();
    }

    private static int IndexOfBlankLine(ReadOnlySpan<byte> bytes)
    {
        var at = bytes.IndexOf("\r\n\r\n"u8);
        return at < 0 ? -1 : at + 4;
    }

    private sealed class StrongBox<T>
    {
        public T? Value { get; set; }
    }
}
