using Spectre.Console;

namespace PortfolioBackup.Cli;

/// <summary>Everything a command reads from the outside world: environment, output streams and whether a person is watching.</summary>
internal sealed record CliContext(
    IReadOnlyDictionary<string, string?> Environment,
    TextWriter Out,
    TextWriter Error,
    bool IsTerminal)
{
    /// <summary>A Spectre console over <see cref="Out"/>; plain text (no colours, no live widgets) when not a terminal.</summary>
    public IAnsiConsole Console { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Out),
        Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = IsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
    });
}
