namespace PortfolioBackup.Verification.Checks;

/// <summary>Runs a tier's checks in order on one dump: every check in the list gets a result, "not run" when a need is missing.</summary>
internal static class CheckPipeline
{
    /// <summary>
    /// Runs <paramref name="checks"/> in order; the results come back in the same order, one per check. Past
    /// <paramref name="timeout"/> the running check fails as timed out and the rest are not run; cancellation by the caller throws.
    /// </summary>
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(
        IReadOnlyList<IVerificationCheck> checks, CheckContext context, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
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
                results.Add(CheckResult.NotRun(check.Name, missing));
                continue;
            }

            context.Progress(check.Name);
            try
            {
                results.Add(await context.Timings.TimeAsync(check.Name, () => check.RunAsync(context, deadline.Token)));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                results.Add(CheckResult.Fail(check.Name, $"did not finish within {timeout.TotalMinutes:0.#} min and was stopped"));
            }
        }

        return results;
    }
}
