using System.Diagnostics;

namespace PortfolioBackup.Verification.Checks;

/// <summary>Runs a tier's checks in order on one dump: every check in the list gets a result, "not run" when a need is missing.</summary>
internal static class CheckPipeline
{
    /// <summary>
    /// Runs <paramref name="checks"/> in order; the results come back in the same order, one per check. Past
    /// <paramref name="timeout"/> the running check fails as timed out and the rest are not run; cancellation by the caller throws.
    /// With <paramref name="overlap"/> (only for a throwaway server), the first <see cref="IOverlappingCheck"/> starts at once,
    /// beside the checks ahead of it, and its result is taken only where it would have run; the verdict is the same either way.
    /// </summary>
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(
        IReadOnlyList<IVerificationCheck> checks, CheckContext context, TimeSpan timeout, CancellationToken cancellationToken, bool overlap = false)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await using var early = overlap ? EarlyRun.Start(checks, context, deadline.Token) : null;
        var results = new List<CheckResult>(checks.Count);
        foreach (var check in checks)
        {
            if (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                results.Add(CheckResult.NotRun(check.Name, "the verification timed out"));
                continue;
            }

            if (check.Needs.HasFlag(CheckNeeds.Target) && results.All(r => r.Passed))
            {
                await context.ReachTargetAsync(cancellationToken);
            }

            var missing = context.Missing(check.Needs, results);
            if (missing is not null)
            {
                // An early run of this check is cancelled and discarded when the pipeline ends.
                results.Add(CheckResult.NotRun(check.Name, missing));
                continue;
            }

            context.Progress(check.Name);
            try
            {
                var started = early?.Check == check ? early : null;
                results.Add(await context.Timings.TimeAsync(check.Name, () => started?.ResultAsync(deadline.Token) ?? check.RunAsync(context, deadline.Token)));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                results.Add(CheckResult.Fail(check.Name, $"did not finish within {timeout.TotalMinutes:0.#} min and was stopped"));
            }
        }

        return results;
    }

    /// <summary>One check started ahead of its turn; disposing it cancels and discards the run unless its result went into the verdict.</summary>
    private sealed class EarlyRun : IAsyncDisposable
    {
        private readonly CheckContext _context;
        private readonly CancellationTokenSource _stop;
        private readonly Task<CheckResult> _run;
        private bool _delivered;

        private EarlyRun(IOverlappingCheck check, CheckContext context, CancellationTokenSource stop, Task<CheckResult> run)
        {
            Check = check;
            _context = context;
            _stop = stop;
            _run = run;
        }

        public IOverlappingCheck Check { get; }

        /// <summary>
        /// Starts the first overlapping check of the list when the file is a custom-format archive and the target is there;
        /// anything else (a plain SQL file, a pipe, an encrypted dump without its key) waits for its turn and so is never run.
        /// </summary>
        public static EarlyRun? Start(IReadOnlyList<IVerificationCheck> checks, CheckContext context, CancellationToken cancellationToken)
        {
            if (checks.OfType<IOverlappingCheck>().FirstOrDefault() is not { } check || context.Target is null || context.Server is null
                || context.Missing(CheckNeeds.Archive, []) is not null)
            {
                return null;
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var watch = Stopwatch.StartNew();
            var run = Task.Run(
                async () =>
                {
                    try
                    {
                        return await check.RunAsync(context, stop.Token);
                    }
                    finally
                    {
                        context.Timings.Add($"{check.Name} (started early)", watch.Elapsed);
                    }
                },
                CancellationToken.None);
            return new EarlyRun(check, context, stop, run);
        }

        public async Task<CheckResult> ResultAsync(CancellationToken cancellationToken)
        {
            var result = await _run.WaitAsync(cancellationToken);
            _delivered = true;
            return result;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_delivered)
            {
                // Not its turn (a check ahead failed), a timeout, or a failure already reported: stop it, wait until its
                // tools are gone, and take back what it left, so the verdict is the one a run in order gives.
                await _stop.CancelAsync();
                try
                {
                    await _run;
                }
                catch (Exception)
                {
                    // A run whose result is not used has no say, whatever it threw.
                }

                await Check.DiscardAsync(_context);
            }

            _stop.Dispose();
        }
    }
}
