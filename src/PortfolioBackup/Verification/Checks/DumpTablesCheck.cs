namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>dump-tables</c>: every required table is created by the dump (a TABLE entry in its table of contents); in a data-only
/// dump, which creates nothing, every required table has its rows there.
/// </summary>
internal sealed class DumpTablesCheck : IVerificationCheck
{
    public string Name => "dump-tables";

    public CheckNeeds Needs => CheckNeeds.Archive;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var scan = await context.ArchiveAsync();
        if (scan.Toc is not { } toc)
        {
            return CheckResult.NotRun(Name, "the table of contents cannot be read");
        }

        var created = toc.Entries.Where(e => e.Desc == (toc.IsDataOnly ? "TABLE DATA" : "TABLE")).Select(e => new TableName(e.Namespace ?? string.Empty, e.Tag)).ToHashSet();
        var required = context.Expectations.RequiredTableNames;
        var missing = required.Where(t => !created.Contains(t)).ToList();
        return missing.Count > 0
            ? CheckResult.Fail(Name, $"required table{CheckText.Plural(missing.Count)} not in the dump: {string.Join(", ", missing)}")
            : CheckResult.Pass(Name, $"{created.Count} {(toc.IsDataOnly ? "tables with rows in the dump (data only, no definitions)" : "tables in the dump")}; required present: {(required.Count == 0 ? "none configured" : string.Join(", ", required))}");
    }
}
