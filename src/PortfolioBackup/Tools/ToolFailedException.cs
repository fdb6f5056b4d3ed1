namespace PortfolioBackup.Tools;

/// <summary>A PostgreSQL client or server program exited with an error; carries its exit code, masked arguments and the end of its stderr.</summary>
public sealed class ToolFailedException : PortfolioBackupException
{
    /// <summary>Creates the exception for a failed tool run.</summary>
    public ToolFailedException(string tool, int exitCode, IReadOnlyList<string> arguments, string standardErrorTail, Exception? innerException = null)
        : base(BuildMessage(tool, exitCode, standardErrorTail), innerException)
    {
        Tool = tool;
        ExitCode = exitCode;
        Arguments = arguments;
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>The program's name, e.g. <c>pg_dump</c>.</summary>
    public string Tool { get; }

    /// <summary>The program's exit code.</summary>
    public int ExitCode { get; }

    /// <summary>The arguments it was given, with secrets masked.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The last lines the program wrote to stderr.</summary>
    public string StandardErrorTail { get; }

    private static string BuildMessage(string tool, int exitCode, string stderr) =>
        string.IsNullOrWhiteSpace(stderr)
            ? $"{tool} failed with exit code {exitCode} and printed no error."
            : $"{tool} failed with exit code {exitCode}: {stderr.Trim()}";
}
