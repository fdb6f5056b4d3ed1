using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Cryptography;
using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Images;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PortfolioBackup.Tools;
using Testcontainers.PostgreSql;

namespace PortfolioBackup.Engines;

/// <summary>A throwaway PostgreSQL container of the production image (Testcontainers), removed when disposed.</summary>
public sealed class ContainerRestoreServer : IRestoreServer
{
    private const string Superuser = "postgres";
    private const string DataDirectory = "/var/lib/postgresql/data";
    private const string CopyDirectory = "/tmp";

    // Throwaway data: durability is worthless here and costs most of a restore's time.
    private static readonly string[] RestoreTuning =
    [
        "fsync=off", "full_page_writes=off", "synchronous_commit=off", "wal_level=minimal", "max_wal_senders=0", "autovacuum=off",
    ];

    private readonly PostgreSqlContainer _container;
    private readonly DockerClient _docker;
    private readonly ContainerServerOptions _options;
    private readonly string _password;
    private readonly IReadOnlyList<string> _mounts;
    private readonly string _name;
    private int _disposed;

    private ContainerRestoreServer(PostgreSqlContainer container, DockerClient docker, ContainerServerOptions options, string password, IReadOnlyList<string> mounts, string name)
    {
        _name = name;
        _container = container;
        _docker = docker;
        _options = options;
        _password = password;
        _mounts = mounts;
    }

    /// <inheritdoc />
    public string EngineName => "container";

    /// <inheritdoc />
    public string? Image => _options.Image;

    /// <inheritdoc />
    public int MajorVersion { get; private set; }

    /// <inheritdoc />
    public string ServerVersion { get; private set; } = string.Empty;

    /// <summary>What was cleaned up after earlier killed runs before this container started.</summary>
    public IReadOnlyList<string> CleanupNotes { get; private set; } = [];

    /// <summary>The Docker id of the container.</summary>
    public string ContainerId { get; private set; } = string.Empty;

    /// <summary>Starts a container of the image and waits until its server accepts connections.</summary>
    public static async Task<ContainerRestoreServer> StartAsync(ContainerServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConfigureTestcontainers();
        var status = await DockerAvailability.CheckAsync(cancellationToken);
        if (!status.Available)
        {
            throw new ContainerEngineException($"Docker is not available: {status.Detail}; start Docker or use the local engine");
        }

        var docker = TestcontainersSettings.OS.DockerEndpointAuthConfig.GetDockerClientBuilder(Guid.NewGuid()).Build();
        ContainerRestoreServer? server = null;
        try
        {
            var mounts = options.MountDirectories.Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct(StringComparer.Ordinal).ToList();
            if (mounts.FirstOrDefault(d => !Directory.Exists(d)) is { } missing)
            {
                throw new ContainerEngineException($"cannot mount {missing} into the container: the folder does not exist; check the backup folder");
            }

            var cleanup = await StaleContainerCleanup.RunAsync(docker, cancellationToken);
            await ContainerImages.EnsureAsync(docker, options, cancellationToken);
            var password = RandomNumberGenerator.GetHexString(32, lowercase: true);
            var name = "portfolio-restore-" + Guid.NewGuid().ToString("N")[..12];
            var builder = new PostgreSqlBuilder(options.Image)
                .WithName(name)
                .WithLabel(StaleContainerCleanup.Labels)
                .WithImagePullPolicy(PullPolicy.Never)
                .WithLogger(NullLogger.Instance)
                .WithUsername(Superuser)
                .WithPassword(password)
                .WithCommand(RestoreTuning.SelectMany(setting => new[] { "-c", setting }).ToArray())

                // The image's initdb trusts host connections from the container's own loopback; nothing network-facing is trusted
                // here (the socket inside the container stays trusted: only an exec into it reaches that).
                .WithEnvironment("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
                .WithEnvironment("POSTGRES_INITDB_ARGS", "--auth-host=scram-sha-256 --auth-local=trust")
                .WithCreateParameterModifier(BindToLoopback);
            foreach (var mount in mounts)
            {
                builder = builder.WithBindMount(mount, mount, AccessMode.ReadOnly);
            }

            if (options.DataOnTmpfs)
            {
                // PGDATA pins the data directory to the tmpfs even for images whose default moved (postgres 18+).
                builder = builder.WithTmpfsMount(DataDirectory).WithEnvironment("PGDATA", DataDirectory);
            }

            server = new ContainerRestoreServer(builder.Build(), docker, options, password, mounts, name);
            server.CleanupNotes = cleanup;
            await server.WaitUntilStartedAsync(cancellationToken);
            return server;
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            else
            {
                docker.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = _container.Hostname,
        Port = _container.GetMappedPublicPort(PostgreSqlBuilder.PostgreSqlPort),
        Username = Superuser,
        Password = _password,
        Database = database,
        Pooling = false,
        Timeout = 15,
        CommandTimeout = 0,
    }.ConnectionString;

    /// <inheritdoc />
    public async Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        var full = Path.GetFullPath(dumpPath);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"dump {full} does not exist", full);
        }

        if (_mounts.Any(mount => full.StartsWith(mount + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            return full;
        }

        var folder = "portfolio-dump-" + Guid.NewGuid().ToString("N")[..12];
        var name = Path.GetFileName(full);
        try
        {
            await CopyIntoContainerAsync(full, folder, name, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await DisposeAsync();
            throw;
        }
        catch (DockerApiException ex)
        {
            throw new ContainerEngineException($"could not copy {full} into container {ShortId}: {ex.Message}; mount its folder instead", ex);
        }

        return $"{CopyDirectory}/{folder}/{name}";
    }

    /// <inheritdoc />
    public async Task<ToolResult> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        ArgumentNullException.ThrowIfNull(arguments);
        ObjectDisposedException.ThrowIf(_disposed == 1, this);

        // Tools inside the container use its unix socket, which the postgres image trusts: no password is needed, so
        // none travels in an exec request or shows in the container's process list.
        var command = new List<string>
        {
            "env", "PGHOST=/var/run/postgresql", $"PGPORT={PostgreSqlBuilder.PostgreSqlPort}", $"PGUSER={Superuser}", tool,
        };
        command.AddRange(arguments);
        var watch = Stopwatch.StartNew();
        try
        {
            var result = await _container.ExecAsync(command, cancellationToken);
            return new ToolResult((int)(result.ExitCode ?? -1), Mask(result.Stdout), Mask(result.Stderr), watch.Elapsed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelling the exec request does not stop the program inside: removing the container does.
            await DisposeAsync();
            throw;
        }
        catch (DockerApiException ex)
        {
            throw new ContainerEngineException($"could not run {tool} in container {ShortId}: {Mask(ex.Message)}");
        }
    }

    /// <summary>Stops and removes the container (whatever state it is in) and closes the Docker connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await _container.DisposeAsync();
            if (ContainerId.Length == 0)
            {
                // A start cancelled mid-create can leave a container Testcontainers never learned about; its name finds it.
                await RemoveByNameAsync();
            }
        }
        finally
        {
            _docker.Dispose();
        }
    }

    private async Task RemoveByNameAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _docker.Containers.RemoveContainerAsync(_name, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, timeout.Token);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException)
        {
            // Already being removed (409): nothing left to do.
        }
    }

    /// <summary>Publishes the ports on 127.0.0.1 only (Docker's default is every address) when the daemon runs on this machine.</summary>
    private static void BindToLoopback(CreateContainerParameters parameters)
    {
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (parameters.HostConfig?.PortBindings is not { } bindings || (dockerHost is not null && !dockerHost.StartsWith("unix://", StringComparison.Ordinal)))
        {
            return;
        }

        foreach (var binding in bindings.Values.Where(b => b is not null).SelectMany(b => b))
        {
            binding.HostIP = "127.0.0.1";
        }
    }

    private string ShortId => ContainerId.Length > 12 ? ContainerId[..12] : ContainerId;

    private static void ConfigureTestcontainers()
    {
        // Testcontainers reads these once; the CLI has no runsettings, so set them before its first use.
        // Ryuk would need its own image (a pull); DisposeAsync removes the container instead.
        if (Environment.GetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED") is null)
        {
            Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        }

        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (Environment.GetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE") is null && (dockerHost is null || dockerHost.StartsWith("unix://", StringComparison.Ordinal)))
        {
            Environment.SetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
        }
    }

    private async Task WaitUntilStartedAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StartTimeout);
        Exception? last = null;
        try
        {
            await _container.StartAsync(deadline.Token);
            ContainerId = _container.Id;
            while (true)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                    await connection.OpenAsync(deadline.Token);
                    await using var command = new NpgsqlCommand("SELECT current_setting('server_version'), current_setting('server_version_num')::int", connection);
                    await using var reader = await command.ExecuteReaderAsync(deadline.Token);
                    await reader.ReadAsync(deadline.Token);
                    ServerVersion = reader.GetString(0);
                    MajorVersion = reader.GetInt32(1) / 10000;
                    return;
                }
                catch (Exception ex) when (ex is NpgsqlException or SocketException or IOException)
                {
                    // The port mapping can lag behind pg_isready inside the container.
                    last = ex;
                    await Task.Delay(100, deadline.Token);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            // Testcontainers reports a cancelled wait as a timeout; the caller asked for a cancellation.
            throw new OperationCanceledException("starting the container was cancelled", ex, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && deadline.IsCancellationRequested)
        {
            throw new ServerStartException(
                $"PostgreSQL in a container of {_options.Image} did not accept connections within {_options.StartTimeout.TotalSeconds:0} s. Container log:{Environment.NewLine}{await LogTailAsync()}",
                last ?? ex);
        }
        catch (Exception ex) when (ex is not PortfolioBackupException)
        {
            throw new ServerStartException(
                $"a container of {_options.Image} could not be started: {Mask(ex is DockerApiException api ? ContainerImages.DaemonMessage(api) : ex.Message).TrimEnd('.')}. Container log:{Environment.NewLine}{await LogTailAsync()}",
                ex);
        }
    }

    private async Task<string> LogTailAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var (stdout, stderr) = await _container.GetLogsAsync(timestampsEnabled: false, ct: timeout.Token);
            var tail = Mask(ToolRunner.Tail(stdout + "\n" + stderr));
            return tail.Length == 0 ? "(empty)" : tail;
        }
        catch (Exception ex) when (ex is DockerApiException or OperationCanceledException or InvalidOperationException or HttpRequestException)
        {
            return ex is InvalidOperationException ? "(none: the container was not created yet)" : "(the container's log could not be read)";
        }
    }

    private async Task CopyIntoContainerAsync(string file, string folder, string name, CancellationToken cancellationToken)
    {
        // A tar stream produced while Docker reads it: dumps can be larger than memory, so nothing is buffered whole.
        var pipe = new Pipe();
        async Task ProduceAsync()
        {
            try
            {
                await using (var output = pipe.Writer.AsStream(leaveOpen: true))
                await using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var directory = new PaxTarEntry(TarEntryType.Directory, folder + "/")
                    {
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                    };
                    await tar.WriteEntryAsync(directory, cancellationToken);
                    await using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{folder}/{name}")
                    {
                        DataStream = source,
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    };
                    await tar.WriteEntryAsync(entry, cancellationToken);
                }

                await pipe.Writer.CompleteAsync();
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex);
                throw;
            }
        }

        var producer = Task.Run(ProduceAsync, cancellationToken);
        await using (var input = pipe.Reader.AsStream())
        {
            await _docker.Containers.ExtractArchiveToContainerAsync(ContainerId, new CopyToContainerParameters { Path = CopyDirectory }, input, cancellationToken);
        }

        await producer;
    }

    private string Mask(string text) => ToolRunner.Mask(text, [_password]);
}
