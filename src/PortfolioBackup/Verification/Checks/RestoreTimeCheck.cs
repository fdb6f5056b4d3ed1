namespace PortfolioBackup.Verification.Checks;

/// <summary><c>restore-time</c>: the restore finished within the configured budget.</summary>
internal sealed class RestoreTimeCheck : IVerificationCheck
{
    public string Name => "restore-time";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var seconds = context.Restored!.RestoreSeconds;
        var budget = context.Expectations.RestoreBudgetSeconds;
        return Task.FromResult(budget is { } limit && seconds > limit
            ? CheckResult.Fail(Name, $"restore took {seconds:0.###} s, over the budget of {limit:0.###} s")
            : CheckResult.Pass(Name, budget is { } b ? $"restore took {seconds:0.###} s (budget {b:0.###} s)" : $"restore took {seconds:0.###} s (no budget set)"));
    }
}
