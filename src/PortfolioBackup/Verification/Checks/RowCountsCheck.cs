namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>row-counts</c>: every restored table holds exactly the rows expected of it: the manifest's counts (same snapshot as the
/// dump), else the dump's own data; without a manifest the configured minimums apply too.
/// </summary>
internal sealed class RowCountsCheck : IVerificationCheck
{
    public string Name => "row-counts";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var expected = await context.ExpectedRowsAsync();
        var restored = context.Tables.ToDictionary(t => t.Table, t => t.Rows);
        var problems = new List<string>();
        problems.AddRange(context.ManifestDuplicates.Select(t => $"{t}: listed more than once in the manifest"));
        foreach (var (table, rows) in expected.OrderBy(e => e.Key))
        {
            if (!restored.TryGetValue(table, out var found))
            {
                problems.Add($"{table}: expected {CheckText.Count(rows)} rows, but the table is missing after restore");
            }
            else if (found != rows)
            {
                problems.Add($"{table}: expected {CheckText.Count(rows)} rows, found {CheckText.Count(found)}");
            }
        }

        string what;
        if (context.ExpectedRowsSource == "manifest")
        {
            // The dump's own counts skip tables whose INSERT data cannot be counted exactly; the manifest lists every table.
            problems.AddRange(restored.Where(t => !expected.ContainsKey(t.Key)).OrderBy(t => t.Key).Select(t => $"{t.Key}: {t.Value} rows, but the manifest does not list the table"));
            what = "the manifest's exact counts";
        }
        else
        {
            // The dump can only prove itself consistent; the configured minimums still say what a healthy database holds,
            // unless the dump left every row out on purpose (pg_dump --schema-only).
            var schemaOnly = context.FinishedArchive?.Toc is { IsSchemaOnly: true };
            if (!schemaOnly)
            {
                problems.AddRange(CheckText.MinimumRowProblems(restored, context.Expectations, "but the table is missing", "found"));
            }

            what = schemaOnly ? "the dump's own data: none, a schema-only dump (no minimums apply)" : "the exact counts of the dump's own data (no manifest)";
        }

        var matched = restored.Keys.Count(expected.ContainsKey);
        return CheckResult.FromProblems(Name, problems, $"{matched} tables match {what} ({CheckText.Count(context.Tables.Sum(t => t.Rows))} rows)");
    }
}
