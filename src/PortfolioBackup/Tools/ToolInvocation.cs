namespace PortfolioBackup.Tools;

/// <summary>One run of an external program: arguments as an array (never a shell string), environment, and where its streams go.</summary>
public sealed record ToolInvocation(string ExecutablePath, IReadOnlyList<string> Arguments)
{
    /// <summary>Variables added to (or, when null, removed from) the child's environment; passwords travel here, never in arguments.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>When set, stdout is streamed into this file instead of being buffered in memory.</summary>
    public string? StandardOutputFile { get; init; }

    /// <summary>When set, this file is streamed to the child's stdin.</summary>
    public string? StandardInputFile { get; init; }

    /// <summary>When set and the current process is root, the program runs as this OS account (PostgreSQL servers refuse root).</summary>
    public string? RunAsUser { get; init; }

    /// <summary>
    /// When true the child inherits none of our variables but PATH, locale and time zone (HOME is the run account's):
    /// for servers, which must never see DB_PASSWORD, cloud or Doppler secrets.
    /// </summary>
    public bool MinimalEnvironment { get; init; }

    /// <summary>Values masked as <c>***</c> wherever arguments or stderr are reported.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>Working directory of the child; the current one when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Called for each line of stderr as it arrives (progress reporting).</summary>
    public Action<string>? OnStandardErrorLine { get; init; }

    /// <summary>When set, this text is the child's whole stdin (a secret such as an age identity travels here, never in arguments).</summary>
    internal string? StandardInputText { get; init; }

    /// <summary>When set, writes the child's stdin: called with the pipe, which is closed when it returns.</summary>
    internal Func<Stream, CancellationToken, Task>? StandardInputWriter { get; init; }

    /// <summary>When set, reads the child's stdout as a stream (it must read to the end, or the child blocks).</summary>
    internal Func<Stream, CancellationToken, Task>? StandardOutputReader { get; init; }

    /// <summary>The program's file name, for messages.</summary>
    public string ToolName => Path.GetFileName(ExecutablePath);
}

/// <summary>What a finished program left: exit code, stdout (unless it went to a file), stderr and wall time.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    /// <summary>True when the program exited with code 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
