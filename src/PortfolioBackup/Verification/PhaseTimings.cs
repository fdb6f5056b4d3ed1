using System.Diagnostics;
using System.Globalization;

namespace PortfolioBackup.Verification;

/// <summary>
/// Wall time per verification phase, printed to stderr when PORTFOLIO_BACKUP_TIMINGS=1 so a slow verification can be
/// taken apart without a profiler; a no-op otherwise.
/// </summary>
internal sealed class PhaseTimings
{
    private readonly List<(string Phase, TimeSpan Elapsed)> _phases = [];
    private readonly bool _enabled;

    private PhaseTimings(bool enabled) => _enabled = enabled;

    public static PhaseTimings For(IReadOnlyDictionary<string, string?> environment) =>
        new(environment.TryGetValue("PORTFOLIO_BACKUP_TIMINGS", out var value) && value == "1");

    public async Task<T> TimeAsync<T>(string phase, Func<Task<T>> action)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            return await action();
        }
        finally
        {
            Add(phase, watch.Elapsed);
        }
    }

    public void Add(string phase, TimeSpan elapsed)
    {
        lock (_phases)
        {
            _phases.Add((phase, elapsed));
        }
    }

    public void Print()
    {
        if (!_enabled)
        {
            return;
        }

        lock (_phases)
        {
            foreach (var (phase, elapsed) in _phases)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timing: {phase,-22} {elapsed.TotalMilliseconds,8:0} ms"));
            }

            _phases.Clear();
        }
    }
}
