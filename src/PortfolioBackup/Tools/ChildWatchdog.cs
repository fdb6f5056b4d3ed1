using System.Text;
using System.Threading.Channels;
using CliWrap;

namespace PortfolioBackup.Tools;

/// <summary>
/// Makes sure no child of ours outlives us. One small shell process per process, started on the first child, reads a pipe
/// only we hold open; the kernel closes it however we end (SIGKILL included), and the watchdog then kills every process
/// carrying our <see cref="ProcessOwner"/> mark, everything they forked, and removes the folders we registered.
/// </summary>
/// <remarks>
/// A parent-death signal (PR_SET_PDEATHSIG) would fire when the forking <em>thread</em> ends, and .NET retires thread-pool
/// threads, so it cannot be relied on. The same script, fed a dead owner's mark, is how a later run cleans up after a
/// watchdog that was killed too.
/// </remarks>
internal static class ChildWatchdog
{
    /// <summary>The name the watchdog shows in its command line.</summary>
    public const string Name = "portfolio-backup-watchdog";

    // Stopped before their children are listed, so nothing forks in between; postgres backends leave the postmaster's
    // process group and overwrite their environment, so they are found as children, not by their mark.
    private const string Script = """
        trap '' INT HUP TERM QUIT PIPE
        mark="$1"
        folders=""
        while IFS= read -r line; do
          case "$line" in
            "remove "*) folders="$folders${line#remove }
        " ;;
          esac
        done
        found=$(grep -lzxF "PORTFOLIO_BACKUP_OWNER=$mark" /proc/[0-9]*/environ 2>/dev/null | sed 's|^/proc/||; s|/environ$||')
        all=""
        queue=""
        for p in $found; do
          [ "$p" = "$$" ] && continue
          kill -STOP "$p" 2>/dev/null && queue="$queue $p"
        done
        while [ -n "$queue" ]; do
          next=""
          for p in $queue; do
            all="$all $p"
            for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
              kill -STOP "$c" 2>/dev/null && next="$next $c"
            done
          done
          queue="$next"
        done
        for p in $all; do
          name=$(cat /proc/"$p"/comm 2>/dev/null)
          kill -KILL "$p" 2>/dev/null && echo "killed $p $name"
        done
        printf '%s' "$folders" | while IFS= read -r folder; do
          # Only a folder of ours (our account, or the postgres account our servers run as): another user's folder with a
          # planted owner file is never removed.
          [ -n "$folder" ] && [ "$(cat "$folder/owner" 2>/dev/null)" = "$mark" ] \
            && { uid=$(stat -c %u -- "$folder" 2>/dev/null); [ "$uid" = "$(id -u)" ] || [ "$uid" = "$(id -u postgres 2>/dev/null)" ]; } \
            && rm -rf -- "$folder" && echo "removed $folder"
        done
        exit 0
        """;

    private static readonly Lock Gate = new();
    private static readonly List<string> Folders = [];
    private static Channel<string>? _lines;
    private static Task? _watchdog;

    /// <summary>Starts the watchdog unless it is running; a failure to start leaves the next run's cleanup as the safety net.</summary>
    public static void EnsureStarted()
    {
        lock (Gate)
        {
            if (_watchdog is { IsCompleted: false })
            {
                return;
            }

            var lines = Channel.CreateUnbounded<string>();
            foreach (var folder in Folders)
            {
                lines.Writer.TryWrite($"remove {folder}");
            }

            try
            {
                _watchdog = Command(Current(), PipeSource.Create(async (stdin, cancellationToken) =>
                    {
                        await foreach (var line in lines.Reader.ReadAllAsync(cancellationToken))
                        {
                            await stdin.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
                            await stdin.FlushAsync(cancellationToken);
                        }
                    }))
                    .WithStandardOutputPipe(PipeTarget.Null)
                    .ExecuteAsync()
                    .Task;
                _lines = lines;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                _watchdog = null;
            }
        }
    }

    /// <summary>Whether the watchdog is running, so folders registered with <see cref="RemoveWhenGone"/> go when we end.</summary>
    public static bool IsRunning
    {
        get
        {
            lock (Gate)
            {
                return _watchdog is { IsCompleted: false } && _lines is not null;
            }
        }
    }

    /// <summary>Has the watchdog remove the folder (if it still holds our <c>owner</c> file) once we are gone.</summary>
    public static void RemoveWhenGone(string folder)
    {
        EnsureStarted();
        lock (Gate)
        {
            Folders.Add(folder);
            _lines?.Writer.TryWrite($"remove {folder}");
        }
    }

    /// <summary>Does at once what a dead owner's watchdog would have done; returns its lines ("killed PID NAME", "removed FOLDER").</summary>
    public static async Task<IReadOnlyList<string>> ReapAsync(string deadMark, IReadOnlyList<string> folders, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        var input = string.Concat(folders.Select(f => $"remove {f}\n"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        await Command(deadMark, PipeSource.FromString(input))
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(output))
            .ExecuteAsync(timeout.Token);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static string Current() => ProcessOwner.Current;

    private static Command Command(string mark, PipeSource input)
    {
        // Its own session: a Ctrl-C or a kill of our process group must not take the watchdog with us. It carries no mark
        // and none of our variables.
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in EnvironmentVariables.Current().Keys)
        {
            environment[name] = null;
        }

        environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        environment["LC_ALL"] = "C";
        return Cli.Wrap("setsid")
            .WithArguments(["sh", "-c", Script, Name, mark])
            .WithEnvironmentVariables(environment)
            .WithWorkingDirectory("/")
            .WithStandardInputPipe(input)
            .WithStandardErrorPipe(PipeTarget.Null)
            .WithValidation(CommandResultValidation.None);
    }
}
