namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>dump-rows</c>: the rows in the dump's own data equal the manifest's exact counts (taken in the dump's snapshot);
/// without a manifest, the configured minimums.
/// </summary>
internal sealed class DumpRowsCheck : IVerificationCheck
{
    public string Name => "dump-rows";

    public CheckNeeds Needs => CheckNeeds.CompleteArchive;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var scan = await context.ArchiveAsync();
        var counted = CheckContext.DumpRows(scan);
        var uncounted = scan.Tables.Where(t => t.Rows is null).ToDictionary(t => new TableName(t.Schema, t.Name), t => t.NotCountedReason);
        var expected = context.ManifestRows;
        context.Tables = counted.OrderBy(c => c.Key)
            .Select(c => new TableVerdict(c.Key.Schema, c.Key.Name, c.Value, expected is not null && expected.TryGetValue(c.Key, out var w) ? w : null))
            .ToList();
        var problems = new List<string>();
        if (expected is not null)
        {
            context.ExpectedRowsSource = "manifest";
            problems.AddRange(context.ManifestDuplicates.Select(t => $"{t}: listed more than once in the manifest"));
            foreach (var (table, rows) in expected.OrderBy(e => e.Key))
            {
                if (uncounted.TryGetValue(table, out var reason))
                {
                    problems.Add($"{table}: expected {CheckText.Count(rows)} rows, but {reason}");
                }
                else if (!counted.TryGetValue(table, out var found))
                {
                    problems.Add($"{table}: expected {CheckText.Count(rows)} rows, but the dump holds no data for the table");
                }
                else if (found != rows)
                {
                    problems.Add($"{table}: expected {CheckText.Count(rows)} rows, the dump holds {CheckText.Count(found)}");
                }
            }

            problems.AddRange(counted.Where(c => !expected.ContainsKey(c.Key)).OrderBy(c => c.Key).Select(c => $"{c.Key}: {c.Value} rows in the dump, but the manifest does not list the table"));
            return CheckResult.FromProblems(Name, problems, $"{counted.Count} tables in the dump match the manifest's exact counts ({CheckText.Count(counted.Values.Sum())} rows)");
        }

        if (scan.Toc is { IsSchemaOnly: true })
        {
            // Rows were left out on purpose (pg_dump --schema-only): minimums describe a database's data, not its shape.
            return CheckResult.Pass(Name, "a schema-only dump (pg_dump --schema-only): no rows to count, so the configured minimums do not apply");
        }

        problems.AddRange(CheckText.MinimumRowProblems(counted, context.Expectations, "but the dump holds no countable data for the table", "the dump holds"));

        var note = uncounted.Count > 0 ? $"; not counted exactly: {string.Join(", ", uncounted.Keys.Order())}" : string.Empty;
        return CheckResult.FromProblems(Name, problems,
            $"no manifest with exact counts: {counted.Count} tables counted from the dump ({CheckText.Count(counted.Values.Sum())} rows); minimums met{note}");
    }
}
