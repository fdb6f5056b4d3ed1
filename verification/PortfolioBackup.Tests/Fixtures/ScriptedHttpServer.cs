using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>
/// A loopback HTTP/1.1 server that answers every request with what a test scripts from its request line (an endpoint that
/// lies: endless listings, keys outside the prefix, web pages); one request per connection. Counts the requests it got.
/// </summary>
public sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, (int Status, string ContentType, string Body)> _answer;
    private readonly Task _serving;
    private int _requests;

    public ScriptedHttpServer(Func<string, (int Status, string ContentType, string Body)> answer)
    {
        _answer = answer;
        _listener.Start();
        _serving = ServeAsync(_stop.Token);
    }

    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A ListObjectsV2 result page, as S3 writes it.</summary>
    public static string ListPage(string bucket, string prefix, IEnumerable<string> keys, string? nextToken) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
        $"<Name>{bucket}</Name><Prefix>{prefix}</Prefix><Delimiter>/</Delimiter><MaxKeys>1000</MaxKeys><IsTruncated>{(nextToken is null ? "false" : "true")}</IsTruncated>" +
        (nextToken is null ? string.Empty : $"<NextContinuationToken>{nextToken}</NextContinuationToken>") +
        string.Concat(keys.Select(k => $"<Contents><Key>{k}</Key><LastModified>2026-12-01T00:00:00.000Z</LastModified><ETag>\"0\"</ETag><Size>7</Size><StorageClass>STANDARD</StorageClass></Contents>")) +
        "</ListBucketResult>";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(cancellationToken);
            _ = Task.Run(() => AnswerAsync(client, cancellationToken), cancellationToken);
        }
    }

    private async Task AnswerAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[64 * 1024];
                var request = new StringBuilder();
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, cancellationToken);
                    if (read == 0)
                    {
                        return;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                Interlocked.Increment(ref _requests);
                var (status, contentType, text) = _answer(request.ToString().Split("\r\n")[0]);
                var body = Encoding.UTF8.GetBytes(text);
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nx-amz-request-id: 1\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head, cancellationToken);
                await stream.WriteAsync(body, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }
}
