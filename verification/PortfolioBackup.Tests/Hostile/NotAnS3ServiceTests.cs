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

    // nginx's default page in its XHTML form: well-formed XML, so an XML parser reads it without complaint.
    private const string WelcomePage =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.1//EN\" \"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd\">\n" +
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\">\n<head>\n<title>Welcome to nginx!</title>\n</head>\n" +
        "<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and working.</p>\n</body>\n</html>\n";

    private string _page = Page;
    private string _contentType = "application/xml";
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

    [Fact(Timeout = 120_000)]
    public async Task A_web_servers_welcome_page_in_well_formed_XHTML_is_not_taken_for_an_empty_bucket()
    {
        _page = WelcomePage;
        _contentType = "text/html";
        using var dir = new Fixtures.TempDirectory();
        Offsite.OffsiteTestFiles.WriteBackup(dir.Path, DateTimeOffset.UtcNow.AddMinutes(-5));
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)_web.LocalEndpoint).Port}";
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
            ["BACKUP_DIR"] = dir.Path,
            ["BACKUP_S3_BUCKET"] = "portfolio-backups",
            ["BACKUP_S3_ENDPOINT"] = endpoint,
            ["AWS_ACCESS_KEY_ID"] = "K",
            ["AWS_SECRET_ACCESS_KEY"] = "S",
        };

        var list = await Fixtures.CliRunner.RunAsync(environment, "list", "--remote");
        var status = await Fixtures.CliRunner.RunAsync(environment, "status");
        var upload = await Fixtures.CliRunner.RunAsync(environment, "upload");

        list.ExitCode.Should().Be(1, list.AllOutput);
        list.Output.Should().NotContain("no backups in s3://");
        status.Error.Should().Contain("not read").And.Contain("answered something that is not an S3 response");
        upload.ExitCode.Should().Be(1, upload.AllOutput);
        foreach (var run in new[] { list, upload })
        {
            run.Error.Should().Contain($"the endpoint {endpoint} answered something that is not an S3 response").And.Contain("BACKUP_S3_ENDPOINT");
        }
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var body = Encoding.UTF8.GetBytes(_page);
            var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {_contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
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
