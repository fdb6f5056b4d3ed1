using PortfolioBackup.Cli;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>What one command line printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public string AllOutput => Output + Error;
}

/// <summary>Runs <c>portfolio-backup</c> in-process with an explicit environment, as a user would run it from a shell.</summary>
public static class CliRunner
{
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        return await RunAsync(environment, timeout.Token, args);
    }

    public static Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken, params string[] args) =>
        RunAsync(environment, isTerminal: false, cancellationToken, args);

    /// <summary>Runs as a person at a terminal would see it (<paramref name="isTerminal"/>) or as cron would log it.</summary>
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> environment, bool isTerminal, CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CliApp.RunAsync(args, new CliContext(environment, output, error, isTerminal), cancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
