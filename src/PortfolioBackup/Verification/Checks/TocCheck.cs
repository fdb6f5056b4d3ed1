using PortfolioBackup.Archive;

namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>toc</c>: the table of contents reads natively, every entry whole, and is consistent with itself (unique ids, existing
/// dependencies, data entries matching their tables, offsets where the blocks are): this is what proves a dump without a manifest.
/// </summary>
internal sealed class TocCheck : IVerificationCheck
{
    public string Name => "toc";

    public CheckNeeds Needs => CheckNeeds.Archive;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var scan = await context.ArchiveAsync();
        if (scan.Toc is not { } toc)
        {
            return CheckResult.Fail(Name, scan.Detail);
        }

        if (scan.TocProblems.Count > 0)
        {
            return CheckResult.Fail(Name, ArchiveTocCheck.Describe(scan.TocProblems));
        }

        var withData = toc.TableData.Count();
        var dataOnly = toc.IsDataOnly ? "; a data-only dump (pg_dump --data-only): it holds no schema, only rows for tables that must already exist" : string.Empty;
        return CheckResult.Pass(Name, $"{toc.Entries.Count} entries read natively ({withData} table{CheckText.Plural(withData)} with data){dataOnly}");
    }
}
