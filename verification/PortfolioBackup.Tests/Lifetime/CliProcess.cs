using System.Text;
using CliWrap;

namespace PortfolioBackup.Tests.Lifetime;

/// <summary>The real <c>portfolio-backup</c> program running as its own process, so a test can SIGKILL it mid-run.</summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private readonly StringBuilder _output = new();
    private readonly CommandTask<CommandResult> _task;

    private CliProcess(IReadOnlyDictionary<string, string?> environment, string[] arguments)
    {
        // The test host's own variables (DOTNET_ROOT, PATH) let the apphost find the runtime; the test's variables win.
        _task = CliWrap.Cli.Wrap(Path.Combine(AppContext.BaseDirectory, "portfolio-backup"))
            .WithArguments(arguments)
            .WithEnvironmentVariables(environment)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Append))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Append))
            .ExecuteAsync(_timeout.Token);
    }

    public int ProcessId => _task.ProcessId;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static CliProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] arguments) => new(environment, arguments);

    /// <summary>Waits for the program to end (killed or finished) and returns its exit code.</summary>
    public async Task<int> WaitAsync() => (await _task).ExitCode;

    public async ValueTask DisposeAsync()
    {
        if (ProcFs.IsAlive(ProcessId))
        {
            ProcFs.Kill(ProcessId);
        }

        try
        {
            await _task;
        }
        catch (OperationCanceledException)
        {
        }

        _timeout.Dispose();
    }

    private void Append(string line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
