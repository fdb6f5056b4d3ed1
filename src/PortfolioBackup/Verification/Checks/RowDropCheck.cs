namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>row-drop</c>: no table lost more than the configured share of its rows since the last healthy verification of the
/// same database (read from the ledger and the bucket's verdicts): a backup of a wiped table is faithful, and still the alarm an operator needs.
/// </summary>
internal sealed class RowDropCheck : IVerificationCheck
{
    public string Name => "row-drop";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        if (context.Options.LedgerDirectory is null && context.Options.EarlierVerdicts.Count == 0)
        {
            return CheckResult.Pass(Name, "no backup folder, so no ledger of earlier verifications to compare with");
        }

        // The ledger and the bucket's verdicts alike: the nightly job verifies in a fresh folder, its history is in the bucket.
        var (earlier, unreadable) = await context.EarlierVerdictsAsync(cancellationToken);
        if (unreadable is not null)
        {
            // The dump is still what it is; what is missing is the comparison, and that must not read as "no drop".
            return CheckResult.Warn(Name, $"not compared with earlier verifications: {unreadable}");
        }

        var previous = earlier.NewestHealthy(context.Database);
        if (previous is null)
        {
            return CheckResult.Pass(Name, $"no earlier healthy verification of database {context.Database ?? "(unknown)"} to compare with");
        }

        var share = context.Expectations.MaxRowDropShare;
        var now = context.Tables.ToDictionary(t => t.Table, t => t.Rows);
        var drops = new List<string>();

        // Ledger keys are "schema.name" as printed; older ledgers wrote them unquoted, which reads back the same for plain names.
        foreach (var (key, before) in previous.Tables)
        {
            if (!TableName.TryParse(key, out var table))
            {
                continue;
            }

            var after = now.GetValueOrDefault(table.Value);
            if (before > 0 && (before - after) > share * before)
            {
                drops.Add($"{table}: {CheckText.Count(before)} → {CheckText.Count(after)} rows since the last verified backup ({previous.File})");
            }
        }

        var fileName = Path.GetFileName(context.DumpPath);
        return CheckResult.FromProblems(Name, drops,
            $"no table lost more than {share:P0} of its rows since {(previous.File == fileName ? "the last verification of this file" : previous.File)}");
    }
}
