using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace PortfolioBackup.Tools;

/// <summary>Runs PostgreSQL programs through CliWrap: argument arrays, secrets in the environment, stderr captured, the process tree killed on cancellation.</summary>
public static class ToolRunner
{
    private const int StderrTailLines = 20;

    /// <summary>Runs the program and returns its result whatever the exit code.</summary>
    public static async Task<ToolResult> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var command = Prepare(invocation)
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line =>
            {
                lock (stderr)
                {
                    // A runaway stderr must not exhaust memory; the tail is what messages use.
                    if (stderr.Length < 4 * 1024 * 1024)
                    {
                        stderr.AppendLine(line);
                    }
                }

                invocation.OnStandardErrorLine?.Invoke(line);
            }));

        command = invocation switch
        {
            { StandardOutputReader: { } reader } => command.WithStandardOutputPipe(PipeTarget.Create(reader)),
            { StandardOutputFile: { } outFile } => command.WithStandardOutputPipe(PipeTarget.ToFile(outFile)),
            _ => command.WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout)),
        };
        command = invocation switch
        {
            { StandardInputText: { } text } => command.WithStandardInputPipe(PipeSource.FromString(text)),
            { StandardInputWriter: { } writer } => command.WithStandardInputPipe(PipeSource.Create(writer)),
            { StandardInputFile: { } inFile } => command.WithStandardInputPipe(PipeSource.FromFile(inFile)),
            _ => command,
        };

        try
        {
            var result = await command.ExecuteAsync(cancellationToken);
            return new ToolResult(result.ExitCode, stdout.ToString(), Mask(stderr.ToString(), invocation.Secrets), result.RunTime);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ToolNotFoundException(invocation.ToolName, [invocation.ExecutablePath, ex.Message]);
        }
    }

    /// <summary>Runs the program and throws <see cref="ToolFailedException"/> unless it exits with code 0.</summary>
    public static async Task<ToolResult> RunCheckedAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(invocation, cancellationToken);
        if (!result.Succeeded)
        {
            throw Failure(invocation, result);
        }

        return result;
    }

    /// <summary>Builds the exception for a failed run: masked arguments and the last lines of stderr.</summary>
    public static ToolFailedException Failure(ToolInvocation invocation, ToolResult result) =>
        new(invocation.ToolName, result.ExitCode, MaskedArguments(invocation), Tail(result.StandardError));

    /// <summary>The invocation's arguments with every secret replaced by <c>***</c>.</summary>
    public static IReadOnlyList<string> MaskedArguments(ToolInvocation invocation) =>
        invocation.Arguments.Select(a => Mask(a, invocation.Secrets)).ToList();

    /// <summary>The last lines of a program's stderr, for error messages.</summary>
    public static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - StderrTailLines)));
    }

    /// <summary>Replaces every secret in the text with <c>***</c>.</summary>
    public static string Mask(string text, IReadOnlyList<string> secrets)
    {
        // Longest first: a secret that contains another is masked whole, never left with the shorter one's rest.
        foreach (var secret in secrets.Where(s => !string.IsNullOrEmpty(s)).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>
    /// The one way a child process is set up: identity (setpriv when root hands it to another account), environment with
    /// our owner mark (so the watchdog, started here, can kill it if we die), working directory; no validation.
    /// </summary>
    internal static Command Prepare(ToolInvocation invocation)
    {
        ChildWatchdog.EnsureStarted();
        var (path, arguments) = WithIdentity(invocation);
        var command = Cli.Wrap(path)
            .WithArguments(arguments)
            .WithEnvironmentVariables(ChildEnvironment.For(invocation))
            .WithValidation(CommandResultValidation.None);
        return invocation.WorkingDirectory is { } workingDirectory ? command.WithWorkingDirectory(workingDirectory) : command;
    }

    internal static string RunSync(string path, IReadOnlyList<string> arguments)
    {
        var result = Prepare(new ToolInvocation(path, arguments)).ExecuteBufferedAsync().GetAwaiter().GetResult();
        return result.StandardOutput;
    }

    private static (string Path, IReadOnlyList<string> Arguments) WithIdentity(ToolInvocation invocation)
    {
        if (invocation.RunAsUser is null || !OperatingSystemIdentity.IsRoot)
        {
            return (invocation.ExecutablePath, invocation.Arguments);
        }

        // setpriv execs the program in place, so the process we wait on (and kill) is the program itself.
        return ("setpriv", ["--reuid", invocation.RunAsUser, "--regid", invocation.RunAsUser, "--init-groups", "--", invocation.ExecutablePath, .. invocation.Arguments]);
    }
}
