using Spectre.Console;

namespace PortfolioBackup.Cli;

/// <summary>Everything a command reads from the outside world: environment, output streams and whether a person is watching.</summary>
internal sealed record CliContext(
    IReadOnlyDictionary<string, string?> Environment,
    TextWriter Out,
    TextWriter Error,
    bool IsTerminal)
{
    /// <summary>
    /// Whether the process ends when the command does (the real program, not a test running commands in its own process):
    /// then what only needs deleting, the throwaway server's folder, is left to the watchdog that runs at our exit.
    /// </summary>
    public bool EndsWithCommand { get; init; }

    /// <summary>What the running command learnt that an alert should name (the database, the file, the first failed check).</summary>
    public JobFactsNotes Facts { get; } = new();

    /// <summary>A Spectre console over <see cref="Out"/>; plain text (no colours, no live widgets) when not a terminal.</summary>
    public IAnsiConsole Console { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Out),
        Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = IsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
    });
}

/// <summary>The facts a command notes while it runs, for the notification sent when it ends.</summary>
internal sealed class JobFactsNotes
{
    public Alerts.JobFacts Current { get; private set; } = Alerts.JobFacts.None;

    /// <summary>Adds facts; a value noted later wins.</summary>
    public void Note(Alerts.JobFacts facts) => Current = Current.With(facts);
}
