using System.Net.Sockets;
using System.Runtime.InteropServices;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Archive;

/// <summary>
/// A FIFO, a device, a directory or a socket given as a dump: every command gives its verdict at once. Before, opening a
/// FIFO blocked in open() (deaf to cancellation and SIGTERM) and /dev/zero was hashed forever.
/// </summary>
public sealed class OddInputTests : IDisposable
{
    private static readonly TimeSpan QuickLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FullLimit = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _dir = new();
    private readonly List<IDisposable> _keep = [];
    private string? _fifo;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "fifo", "dev-zero", "dev-null", "directory", "socket" })
        {
            foreach (var command in new[] { "inspect", "verify --quick", "verify --engine local", "restore", "restore --force --verify none" })
            {
                data.Add(kind, command);
            }
        }

        return data;
    }

    public void Dispose()
    {
        // A reader stuck in open() on the FIFO is released by a writer opening it: the test never leaves a thread behind.
        if (_fifo is not null)
        {
            var fd = Open(_fifo, 0x1 | 0x800);
            if (fd >= 0)
            {
                _ = Close(fd);
            }
        }

        _keep.ForEach(k => k.Dispose());
        _dir.Dispose();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_odd_file_given_as_a_dump_gets_a_specific_verdict_at_once_and_exit_1(string kind, string command)
    {
        var (path, expected) = Make(kind);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
            ["PG_BIN_DIR"] = DumpMaker.Binaries.Directory,
        };
        var limit = command.Contains("local", StringComparison.Ordinal) ? FullLimit : QuickLimit;
        using var timeout = new CancellationTokenSource(limit);

        // The run is on a thread of its own: a blocking open() cannot be cancelled, only outwaited.
        // restore refuses the dump before it connects anywhere: port 1 has no server, and nothing may be touched.
        // Not even --force with --verify none hands a pipe or a device to pg_restore.
        string[] args = command.StartsWith("restore", StringComparison.Ordinal)
            ? ["restore", path, "--yes", "--backup-dir", _dir.Combine("safety"), "--host", "127.0.0.1", "--port", "1", .. command.Split(' ').Skip(1)]
            : [.. command.Split(' '), path];
        var run = Task.Run(() => CliRunner.RunAsync(environment, timeout.Token, args));
        var finished = await Task.WhenAny(run, Task.Delay(limit + TimeSpan.FromSeconds(5)));

        finished.Should().BeSameAs(run, $"{command} of a {kind} must not hang");
        var result = await run;
        result.ExitCode.Should().Be(1, result.AllOutput);
        result.AllOutput.Should().Contain(expected);
    }

    private (string Path, string Expected) Make(string kind)
    {
        var path = _dir.Combine("backup_20250101_000000.dump");
        switch (kind)
        {
            case "fifo":
                MakeFifo(path, Convert.ToInt32("600", 8)).Should().Be(0);
                _fifo = path;
                return (path, "not a regular file (a FIFO");
            case "dev-zero":
                File.CreateSymbolicLink(path, "/dev/zero");
                return (path, "not a regular file (a character device: a symbolic link to /dev/zero)");
            case "dev-null":
                File.CreateSymbolicLink(path, "/dev/null");
                return (path, "not a regular file (a character device: a symbolic link to /dev/null)");
            case "directory":
                Directory.CreateDirectory(path);
                return (path, "a directory, not a dump file");
            default:
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(path));
                socket.Listen();
                _keep.Add(socket);
                return (path, "not a regular file (a socket");
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo")]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    [DllImport("libc", EntryPoint = "open")]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
