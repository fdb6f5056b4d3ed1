using System.Diagnostics;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Verification;

/// <summary>How to run the quick tier: no server, the archive read natively end to end.</summary>
public sealed record QuickVerificationOptions
{
    /// <summary>Data blocks decompressed at once when the archive was written to a file (offsets known).</summary>
    public int Parallelism { get; init; } = Math.Max(1, System.Environment.ProcessorCount);

    /// <summary>What the dump must contain (required tables and minimum rows apply when there is no manifest).</summary>
    public VerificationExpectations Expectations { get; init; } = VerificationExpectations.Default;

    /// <summary>The age secret key that reads encrypted dumps; they are streamed through age, never written out decrypted.</summary>
    public Encryption.AgeIdentity? Identity { get; init; }
}

/// <summary>
/// The quick tier: proves without any server that a dump is whole. It reads header and TOC, decompresses every data
/// block, counts each table's rows and compares them (and the file's size and SHA-256, hashed in the same read) with the
/// manifest. It gives the same verdict records as <see cref="DumpVerifier"/>; it does not prove that the SQL restores.
/// </summary>
public static class QuickVerifier
{
    /// <summary>The engine name quick verdicts carry: nothing was restored.</summary>
    public const string EngineName = "none";

    /// <summary>The report's tier for quick verdicts.</summary>
    public const string Tier = "quick";

    /// <summary>Verifies every dump in turn; an unhealthy dump is a verdict, not an exception.</summary>
    public static async Task<VerificationReport> VerifyAsync(
        IReadOnlyList<string> dumps,
        QuickVerificationOptions options,
        IProgress<VerificationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var verdicts = new List<DumpVerdict>();
        foreach (var dump in dumps)
        {
            progress?.Report(new VerificationProgress(dump, "reading every data block"));
            verdicts.Add(await VerifyDumpAsync(dump, options, cancellationToken));
        }

        var notes = new List<string> { "tier: quick (no restore: the archive was read and decompressed end to end, rows counted from its data)" };
        if (dumps.Count == 0)
        {
            notes.Add("no dumps to verify");
        }

        return new VerificationReport(verdicts, notes) { Tier = Tier };
    }

    /// <summary>Verifies one dump without a server.</summary>
    public static async Task<DumpVerdict> VerifyDumpAsync(string dumpPath, QuickVerificationOptions options, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var contextOptions = new CheckContextOptions { Expectations = options.Expectations, ScanParallelism = options.Parallelism, Identity = options.Identity };
        await using var context = await CheckContext.CreateAsync(dumpPath, contextOptions, cancellationToken);
        var checks = await CheckPipeline.RunAsync(VerificationTiers.Quick, context, Timeout.InfiniteTimeSpan, cancellationToken);
        return new DumpVerdict
        {
            File = dumpPath,
            Engine = EngineName,
            ServerVersion = string.Empty,
            Tier = Tier,
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
            Checks = checks,
            Tables = context.Tables,
            Sha256 = context.FileSha256,
            Database = context.Database,
            ExpectedRowsSource = context.ExpectedRowsSource,
            LackedKey = context.LackedKey,
        };
    }
}
