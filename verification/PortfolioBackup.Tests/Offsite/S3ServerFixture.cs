using System.Net;
using System.Net.Sockets;
using System.Text;
using CliWrap;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>
/// One real s3rver (an S3-compatible server, not AWS) on 127.0.0.1 with signature checking on, its own data folder and
/// one bucket; stoppable and restartable on the same port and folder, killed with its folder on dispose.
/// </summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    /// <summary>Where scripts/setup.sh installs s3rver (npm ci from scripts/setup/s3rver).</summary>
    public const string DefaultPath = "/opt/portfolio-backup/s3rver/node_modules/.bin/s3rver";

    /// <summary>The bucket created at start.</summary>
    public const string Bucket = "portfolio-backups";

    /// <summary>s3rver's built-in account; any other key is refused with InvalidAccessKeyId.</summary>
    public const string AccessKeyId = "S3RVER";

    /// <summary>s3rver's built-in secret.</summary>
    public const string SecretAccessKey = "S3RVER";

    private readonly StringBuilder _log = new();
    private CancellationTokenSource? _kill;
    private Task? _run;

    public int Port { get; private set; }

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "pb-s3rver-" + Guid.NewGuid().ToString("N")[..12]);

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public bool IsRunning => _run is { IsCompleted: false };

    public static string ExecutablePath => Environment.GetEnvironmentVariable("PORTFOLIO_S3RVER") is { Length: > 0 } path ? path : DefaultPath;

    /// <summary>Settings for a prefix of the fixture's bucket with the server's own credentials.</summary>
    public OffsiteSettings Settings(string prefix = "") => new()
    {
        Bucket = Bucket,
        Prefix = prefix,
        Endpoint = Endpoint,
        AccessKeyId = AccessKeyId,
        SecretAccessKey = SecretAccessKey,
    };

    /// <summary>A fresh prefix per test, so tests sharing the server never see each other's objects.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>
    /// Writes an object as someone else would, past our upload: no SHA-256 metadata, no manifest, no checks; for objects
    /// in the bucket we did not write.
    /// </summary>
    public async Task PutForeignAsync(string key, byte[] body, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var config = new Amazon.S3.AmazonS3Config
        {
            ServiceURL = Endpoint.GetLeftPart(UriPartial.Authority),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        };
        using var client = new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(AccessKeyId, SecretAccessKey), config);
        using var stream = new MemoryStream(body);
        var request = new Amazon.S3.Model.PutObjectRequest { BucketName = Bucket, Key = key, InputStream = stream, UseChunkEncoding = false };
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            request.Metadata.Add(name, value);
        }

        await client.PutObjectAsync(request);
    }

    /// <summary>The file in which s3rver keeps an object's bytes.</summary>
    public string ObjectFile(string key)
    {
        var parts = key.Split('/');
        return Path.Combine([DataDirectory, Bucket, .. parts[..^1], parts[^1] + "._S3rver_object"]);
    }

    public async Task InitializeAsync()
    {
        RequireInstalled(ExecutablePath);
        Directory.CreateDirectory(DataDirectory);
        Port = FreePort();
        await StartAsync();
    }

    /// <summary>Fails with what to do when s3rver is not where setup puts it.</summary>
    public static void RequireInstalled(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"s3rver is not installed at {path}: run scripts/setup.sh (as root), or set PORTFOLIO_S3RVER to an s3rver executable");
        }
    }

    /// <summary>Starts the server (again) on the same port and folder and waits until it answers HTTP.</summary>
    public async Task StartAsync()
    {
        _kill = new CancellationTokenSource();
        var command = ToolRunner.Prepare(new ToolInvocation(ExecutablePath, ["-d", DataDirectory, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-vhost-buckets", "--configure-bucket", Bucket]))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Log))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Log));
        _run = command.ExecuteAsync(_kill.Token).Task;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_run.IsCompleted)
            {
                throw new InvalidOperationException($"s3rver exited at start:{Environment.NewLine}{LogText}");
            }

            try
            {
                using var response = await http.GetAsync(Endpoint);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"s3rver did not answer on {Endpoint} within 30 s:{Environment.NewLine}{LogText}");
                }

                await Task.Delay(100);
            }
        }
    }

    /// <summary>Kills the server (SIGKILL, like a crash or a cut network) and waits until it is gone; the data stays.</summary>
    public void Stop()
    {
        if (_run is null || _kill is null)
        {
            return;
        }

        _kill.Cancel();
        try
        {
            _run.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The cancellation is how CliWrap reports the kill.
        }

        _kill.Dispose();
        _kill = null;
        _run = null;
    }

    public Task DisposeAsync()
    {
        Stop();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    public string LogText
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private void Log(string line)
    {
        lock (_log)
        {
            if (_log.Length < 1 << 20)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
