using System.Net;
using System.Net.Sockets;
using System.Text;
using PortfolioBackup.Offsite;

namespace PortfolioBackup.Tests.Hostile;

/// <summary>
/// BACKUP_S3_ENDPOINT pointing at something that answers HTTP but is not S3 (a web app on the wrong port, a captive proxy's
/// login page): the message must say so, not repeat an XML parser's complaint about the page's &lt;meta&gt; tag.
/// </summary>
public sealed class NotAnS3ServiceTests : IAsyncLifetime
{
    private const string Page = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Welcome</title>\n</head>\n<body>hello</body>\n</html>\n";
    private readonly TcpListener _web = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private Task _serve = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _web.Start();
        _serve = ServeAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _web.Stop();
        await _serve.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task An_endpoint_that_answers_a_web_page_is_named_as_not_an_S3_service()
    {
        var endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_web.LocalEndpoint).Port}");
        using var store = OffsiteStore.Open(new OffsiteSettings { Bucket = "portfolio-backups", Prefix = "droplet", Endpoint = endpoint, AccessKeyId = "K", SecretAccessKey = "S" });

        var list = () => store.ListBackupsAsync();

        var error = (await list.Should().ThrowAsync<OffsiteException>()).Which;
        error.Message.Should().Contain($"{endpoint.GetLeftPart(UriPartial.Authority)} answered something that is not an S3 response")
            .And.Contain("BACKUP_S3_ENDPOINT")
            .And.NotContain("start tag");
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(Page);
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        while (!cancellationToken.IsCancellationRequested)
        {
            using var client = await _web.AcceptTcpClientAsync(cancellationToken);
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await stream.WriteAsync(head, cancellationToken);
            await stream.WriteAsync(body, cancellationToken);
        }
    }
}
