using System.Globalization;
using CliWrap;
using CliWrap.Buffered;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>Prometheus' own checker, <c>promtool check metrics</c>: the real parser and linter of the text format.</summary>
internal static class Promtool
{
    /// <summary>Where scripts/setup.sh puts promtool (extracted from Debian 12's prometheus package).</summary>
    public const string DefaultPath = "/usr/local/bin/promtool";

    public static string ExecutablePath => Environment.GetEnvironmentVariable("PORTFOLIO_PROMTOOL") is { Length: > 0 } path ? path : DefaultPath;

    /// <summary>Runs <c>promtool check metrics &lt; file</c>; returns its exit code and everything it printed (empty when it found nothing).</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string file)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"promtool is not installed at {ExecutablePath}: run scripts/setup.sh (as root), or set PORTFOLIO_PROMTOOL to a promtool executable");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await CliWrap.Cli.Wrap(ExecutablePath)
            .WithArguments(["check", "metrics"])
            .WithStandardInputPipe(PipeSource.FromFile(file))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(timeout.Token);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }
}

/// <summary>The samples of a metrics file: <c>name{labels}</c> as written, to its value.</summary>
internal static class MetricsText
{
    public static Dictionary<string, double> Samples(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .ToDictionary(line => line[..line.LastIndexOf(' ')], line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture), StringComparer.Ordinal);
}
