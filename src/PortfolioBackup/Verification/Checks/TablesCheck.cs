using PortfolioBackup.Backup;

namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>tables</c>: the restored database's physical tables (plain tables and partitions, not partitioned parents, views or
/// extension-owned tables), each counted exactly in one statement; the required ones are present.
/// </summary>
internal sealed class TablesCheck : IVerificationCheck
{
    public string Name => "tables";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var counts = await Sql.QueryAsync(
            context.Restored!.Connection, PhysicalTables.CountSql, r => (Table: new TableName(r.GetString(0), r.GetString(1)), Rows: r.GetInt64(2)), cancellationToken);
        var expected = await context.ExpectedRowsAsync();
        context.Tables = counts.OrderBy(c => c.Table)
            .Select(c => new TableVerdict(c.Table.Schema, c.Table.Name, c.Rows, expected.TryGetValue(c.Table, out var w) ? w : null))
            .ToList();
        var present = counts.Select(c => c.Table).ToHashSet();
        var required = context.Expectations.RequiredTableNames;
        var missing = required.Where(t => !present.Contains(t)).ToList();
        return missing.Count > 0
            ? CheckResult.Fail(Name, $"required tables missing after restore: {string.Join(", ", missing)}")
            : CheckResult.Pass(Name, $"{counts.Count} physical tables; required present: {(required.Count == 0 ? "none configured" : string.Join(", ", required))}");
    }
}
