namespace PortfolioBackup.Verification.Checks;

/// <summary><c>data</c>: every data block is there and decompresses end to end.</summary>
internal sealed class DataCheck : IVerificationCheck
{
    public string Name => "data";

    public CheckNeeds Needs => CheckNeeds.Archive;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var scan = await context.ArchiveAsync();
        if (scan.Toc is null)
        {
            return CheckResult.NotRun(Name, "the table of contents cannot be read");
        }

        if (!scan.IsComplete)
        {
            return CheckResult.Fail(Name, scan.Detail);
        }

        var workers = scan.Parallelism;
        return CheckResult.Pass(Name,
            $"{scan.Tables.Count} table data block{CheckText.Plural(scan.Tables.Count)} decompressed end to end ({CheckText.Count(scan.Tables.Sum(t => t.DataBytes))} bytes of data, " +
            $"{scan.Header!.CompressionName}, {workers} worker{CheckText.Plural(workers)}, {scan.Duration.TotalSeconds:0.###} s)");
    }
}
