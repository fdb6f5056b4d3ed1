using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CliWrap;
using Npgsql;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>
/// A temporary PostgreSQL cluster made with local binaries (initdb + postgres listening on a socket in a 0700 folder, and
/// on loopback TCP only when it has a password), removed with all its files when disposed, or by our watchdog if we die.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private static readonly IReadOnlyDictionary<string, string> RestoreTuning = new Dictionary<string, string>
    {
        ["fsync"] = "off",
        ["full_page_writes"] = "off",
        ["synchronous_commit"] = "off",
        ["wal_level"] = "minimal",
        ["max_wal_senders"] = "0",
        ["autovacuum"] = "off",
    };

    private readonly CancellationTokenSource _kill = new();
    private readonly StringBuilder _log;
    private readonly Task<CommandResult> _process;
    private readonly int _processId;
    private readonly LocalServerOptions _options;
    private int _disposed;

    private LocalPostgresServer(LocalServerOptions options, PgBinaries binaries, string rootDirectory, int port, StringBuilder log, CommandTask<CommandResult> process, CancellationTokenSource kill)
    {
        _processId = process.ProcessId;
        _options = options;
        Binaries = binaries;
        RootDirectory = rootDirectory;
        Port = port;
        _log = log;
        _process = process.Task;
        _kill = kill;
    }

    /// <summary>The programs the server runs on (initdb, postgres, pg_restore, ...).</summary>
    public PgBinaries Binaries { get; }

    /// <summary>The folder holding the data directory and the socket; deleted on dispose.</summary>
    public string RootDirectory { get; }

    /// <summary>The data directory.</summary>
    public string DataDirectory => Path.Combine(RootDirectory, "data");

    /// <summary>The folder of the server's unix socket.</summary>
    public string SocketDirectory => Path.Combine(RootDirectory, "socket");

    /// <summary>
    /// Where clients connect: the socket folder, or 127.0.0.1 for a server with a password (libpq and Npgsql take both as a host).
    /// </summary>
    public string Host => Password is null ? SocketDirectory : "127.0.0.1";

    /// <summary>The port: the TCP port of a server with a password; otherwise only the number in the socket's name.</summary>
    public int Port { get; }

    /// <summary>The superuser's name.</summary>
    public string Superuser => _options.Superuser;

    /// <summary>The superuser's password (TCP with scram-sha-256), or null for a server reachable only through its socket.</summary>
    public string? Password => _options.SuperuserPassword;

    /// <summary>The server's version as <c>server_version</c> reports it, e.g. <c>15.18</c>.</summary>
    public string ServerVersion { get; private set; } = string.Empty;

    /// <summary>What was cleaned up after earlier killed runs before this server started (one line each).</summary>
    public IReadOnlyList<string> CleanupNotes { get; private set; } = [];

    /// <summary>The server's log so far (its stderr).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Creates the cluster, starts the server and waits until it accepts connections.</summary>
    public static async Task<LocalPostgresServer> StartAsync(LocalServerOptions options, CancellationToken cancellationToken = default)
    {
        var binaries = PgBinaries.Discover(options.MajorVersion);
        var parent = options.ParentDirectory ?? (options.DataOnRam && Directory.Exists(DataPlacement.RamDirectory) ? DataPlacement.RamDirectory : Path.GetTempPath());
        var notes = await StaleServerCleanup.RunAsync([parent, DataPlacement.RamDirectory, Path.GetTempPath()], cancellationToken);
        var root = Path.Combine(parent, $"{StaleServerCleanup.FolderPrefix}{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            // The owner file first: from here on, our watchdog or a later run knows whose folder this is.
            await File.WriteAllTextAsync(Path.Combine(root, StaleServerCleanup.OwnerFile), ProcessOwner.Current, cancellationToken);
            ChildWatchdog.RemoveWhenGone(root);
            ServerAccess.CreateSocketDirectory(Path.Combine(root, "socket"));
            if (options.PristineCacheDirectory is { } cache && options.SuperuserPassword is null && await ClusterInit.IsTrustedCacheAsync(cache, cancellationToken))
            {
                await ClusterInit.CopyPristineAsync(options, binaries, cache, root, cancellationToken);
            }
            else
            {
                await ClusterInit.InitAsync(options, binaries, root, cancellationToken);
            }

            await ServerAccess.WriteAsync(options, root, Path.Combine(root, "data"), Path.Combine(root, "socket"), cancellationToken);
            var server = await LaunchAsync(options, binaries, root, cancellationToken);
            server.CleanupNotes = notes;
            return server;
        }
        catch
        {
            TryDelete(root);
            throw;
        }
    }

    /// <summary>A connection string for one database on this server (its socket, or loopback TCP for a server with a password).</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = Superuser,
        Password = Password,
        Database = database,
        Pooling = false,
        Timeout = 15,
        CommandTimeout = 0,
    }.ConnectionString;

    /// <summary>Opens a connection to one database on this server.</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync(string database = "postgres", CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>The libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD) that points a client program at this server.</summary>
    public IReadOnlyDictionary<string, string?> ClientEnvironment(string database = "postgres") => new Dictionary<string, string?>
    {
        ["PGHOST"] = Host,
        ["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["PGUSER"] = Superuser,
        ["PGPASSWORD"] = Password,
        ["PGDATABASE"] = database,
    };

    /// <summary>Stops the server (immediate shutdown: its data is throwaway) and waits for the process to end.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_process.IsCompleted)
        {
            return;
        }

        // SIGQUIT is what pg_ctl -m immediate sends; sent directly, the wait ends when the postmaster exits instead of on
        // pg_ctl's next 100 ms poll. setpriv execs postgres, so the process started is the postmaster itself.
        if (_processId > 0 && SendSignal(_processId, SigQuit) == 0)
        {
            try
            {
                await _process.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                await _kill.CancelAsync();
                try
                {
                    await _process;
                }
                catch (OperationCanceledException)
                {
                }

                return;
            }
        }

        var stop = new ToolInvocation(Binaries.PathOf("pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"])
        {
            RunAsUser = _options.ServerOsUser,
            WorkingDirectory = RootDirectory,
            MinimalEnvironment = true,
        };
        try
        {
            await ToolRunner.RunAsync(stop, cancellationToken);
            await _process.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or ToolFailedException or OperationCanceledException)
        {
            await _kill.CancelAsync();
        }
        finally
        {
            // The task ends with an OperationCanceledException after a forced kill; either way the process is gone.
            try
            {
                await _process;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Stops the server and deletes every file of the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await StopAsync(CancellationToken.None);
        }
        finally
        {
            _kill.Dispose();
            if (!(_options.RemoveFolderAfterExit && _process.IsCompleted && StaleServerCleanup.LeaveToWatchdog(RootDirectory)))
            {
                TryDelete(RootDirectory);
            }
        }
    }

    private static async Task<LocalPostgresServer> LaunchAsync(LocalServerOptions options, PgBinaries binaries, string root, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var settings = new Dictionary<string, string>(options.TunedForRestore ? RestoreTuning : new Dictionary<string, string>())
            {
                ["listen_addresses"] = options.SuperuserPassword is null ? string.Empty : "127.0.0.1",
                ["port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["unix_socket_directories"] = Path.Combine(root, "socket"),
                ["unix_socket_permissions"] = "0700",
                ["logging_collector"] = "off",

                // Shared memory segments in the data folder, not /dev/shm: a server killed with SIGKILL leaves posix segments
                // (parallel-query buffers among them) behind, while these go with the cluster's folder.
                ["dynamic_shared_memory_type"] = "mmap",
            };
            foreach (var (name, value) in options.Settings)
            {
                settings[name] = value;
            }

            var arguments = new List<string> { "-D", Path.Combine(root, "data") };
            foreach (var (name, value) in settings)
            {
                arguments.AddRange(["-c", $"{name}={value}"]);
            }

            var log = new StringBuilder();
            var kill = new CancellationTokenSource();

            // Our environment holds DB_PASSWORD and whatever else the operator exported; a superuser of this server can read
            // the postmaster's (COPY ... FROM PROGRAM 'env'), so it gets only what a server needs.
            var postgres = new ToolInvocation(binaries.PathOf("postgres"), arguments)
            {
                RunAsUser = options.ServerOsUser,
                WorkingDirectory = root,
                MinimalEnvironment = true,
            };
            var process = ToolRunner.Prepare(postgres)
                .WithStandardErrorPipe(PipeTarget.ToDelegate(line =>
                {
                    lock (log)
                    {
                        if (log.Length < 1024 * 1024)
                        {
                            log.AppendLine(line);
                        }
                    }
                }))
                .ExecuteAsync(kill.Token);
            var server = new LocalPostgresServer(options, binaries, root, port, log, process, kill);
            try
            {
                await server.WaitUntilReadyAsync(cancellationToken);
                return server;
            }
            catch (ServerStartException) when (attempt < attempts && server.Log.Contains("could not bind", StringComparison.Ordinal))
            {
                // Another process took the port between probing and binding: try a new one.
                await server.StopAsync(CancellationToken.None);
            }
            catch
            {
                await server.StopAsync(CancellationToken.None);
                kill.Dispose();
                throw;
            }
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var lastAttempt = TimeSpan.Zero;
        Exception? last = null;
        while (watch.Elapsed < _options.StartTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.IsCompleted)
            {
                throw new ServerStartException($"PostgreSQL {Binaries.MajorVersion} exited while starting. Server log:{Environment.NewLine}{ToolRunner.Tail(Log)}");
            }

            // postmaster.pid says "ready" the moment the server accepts connections: reading it costs far less than a failed
            // connection. A connection is still tried every 100 ms, should the file never say so (an unreadable file).
            if (!PostmasterStatus.IsReady(DataDirectory) && watch.Elapsed - lastAttempt < TimeSpan.FromMilliseconds(100))
            {
                await Task.Delay(_options.ReadinessPollInterval, cancellationToken);
                continue;
            }

            lastAttempt = watch.Elapsed;
            try
            {
                await using var connection = await OpenConnectionAsync("postgres", cancellationToken);
                ServerVersion = connection.PostgreSqlVersion.ToString();
                await using var command = new NpgsqlCommand("SHOW server_version", connection);
                ServerVersion = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or IOException)
            {
                last = ex;
                await Task.Delay(_options.ReadinessPollInterval, cancellationToken);
            }
        }

        throw new ServerStartException(
            $"PostgreSQL {Binaries.MajorVersion} did not accept connections within {_options.StartTimeout.TotalSeconds:0} s. Server log:{Environment.NewLine}{ToolRunner.Tail(Log)}",
            last);
    }

    private const int SigQuit = 3;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Leftovers in the temp folder are harmless; failing a verification over them would not be.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
