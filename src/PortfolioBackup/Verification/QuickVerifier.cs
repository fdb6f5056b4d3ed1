using System.Diagnostics;
using System.Globalization;
using PortfolioBackup.Archive;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Verification;

/// <summary>How to run the quick tier: no server, the archive read natively end to end.</summary>
public sealed record QuickVerificationOptions
{
    /// <summary>Data blocks decompressed at once when the archive was written to a file (offsets known).</summary>
    public int Parallelism { get; init; } = Math.Max(1, System.Environment.ProcessorCount);

    /// <summary>What the dump must contain (required tables and minimum rows apply when there is no manifest).</summary>
    public VerificationExpectations Expectations { get; init; } = VerificationExpectations.Default;
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

    private static readonly NumberFormatInfo Grouped = new() { NumberGroupSeparator = " ", NumberGroupSizes = [3] };

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
        var scanTask = ArchiveReader.ScanAsync(dumpPath, new ArchiveScanOptions { Parallelism = options.Parallelism, ComputeSha256 = true }, cancellationToken);
        BackupManifest? manifest = null;
        string? manifestProblem = null;
        try
        {
            manifest = await BackupManifest.ReadForDumpAsync(dumpPath, cancellationToken);
        }
        catch (InvalidManifestException ex)
        {
            manifestProblem = ex.Message;
        }

        var scan = await scanTask;
        var checks = new List<CheckResult> { FileCheck(scan, manifest, manifestProblem) };
        var tables = new List<TableVerdict>();
        if (scan.Toc is null)
        {
            checks.Add(new CheckResult("toc", false, scan.Detail));
            checks.Add(CheckResult.NotRun("data", "the table of contents cannot be read"));
            checks.Add(CheckResult.NotRun("row-counts", "the table of contents cannot be read"));
        }
        else
        {
            checks.Add(new CheckResult("toc", true, $"{scan.Entries.Count} entries read natively ({scan.Toc.TableData.Count()} tables with data)"));
            checks.Add(scan.IsComplete
                ? new CheckResult("data", true,
                    $"{scan.Tables.Count} table data blocks decompressed end to end ({scan.Tables.Sum(t => t.DataBytes).ToString("#,0", Grouped)} bytes of data, {scan.Header!.CompressionName}, " +
                    $"{scan.Parallelism} worker{(scan.Parallelism == 1 ? string.Empty : "s")}, {scan.Duration.TotalSeconds:0.###} s)")
                : new CheckResult("data", false, scan.Detail));
            var expected = manifest?.Tables?.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal);
            tables = scan.Tables.Where(t => t.Rows is not null)
                .Select(t => new TableVerdict(t.Schema, t.Name, t.Rows!.Value, expected is not null && expected.TryGetValue(t.QualifiedName, out var w) ? w : null))
                .ToList();
            checks.Add(scan.IsComplete
                ? RowCountCheck(scan, expected, options.Expectations)
                : CheckResult.NotRun("row-counts", "not every data block could be read"));
        }

        return new DumpVerdict
        {
            File = dumpPath,
            Engine = EngineName,
            ServerVersion = string.Empty,
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
            Checks = checks,
            Tables = tables,
            Sha256 = scan.Sha256,
            Database = manifest?.Database ?? scan.Header?.DatabaseName,
            ExpectedRowsSource = manifest?.Tables is not null ? "manifest" : null,
        };
    }

    private static CheckResult FileCheck(ArchiveScan scan, BackupManifest? manifest, string? manifestProblem)
    {
        if (scan.Header is not { } header)
        {
            return new CheckResult("file", false, scan.Detail);
        }

        var summary = $"custom-format archive {header.ArchiveVersion.ToString(3)}, {header.CompressionName}, {scan.SizeBytes.ToString("#,0", Grouped)} bytes, pg_dump {header.PgDumpVersion}, database {header.DatabaseName}";
        return ManifestFileCheck.Compare(summary, scan.SizeBytes, scan.Sha256, manifest, manifestProblem);
    }

    private static CheckResult RowCountCheck(ArchiveScan scan, Dictionary<string, long>? expected, VerificationExpectations expectations)
    {
        var problems = new List<string>();
        var counted = scan.RowCounts;
        var uncounted = scan.Tables.Where(t => t.Rows is null).ToList();
        if (expected is not null)
        {
            foreach (var (name, rows) in expected)
            {
                if (uncounted.FirstOrDefault(t => t.QualifiedName == name) is { } table)
                {
                    problems.Add($"{name}: expected {rows.ToString("#,0", Grouped)} rows, but {table.NotCountedReason}");
                }
                else if (!counted.TryGetValue(name, out var found))
                {
                    problems.Add($"{name}: expected {rows.ToString("#,0", Grouped)} rows, but the dump holds no data for the table");
                }
                else if (found != rows)
                {
                    problems.Add($"{name}: expected {rows.ToString("#,0", Grouped)} rows, the dump holds {found.ToString("#,0", Grouped)}");
                }
            }

            problems.AddRange(counted.Where(c => !expected.ContainsKey(c.Key)).Select(c => $"{c.Key}: {c.Value} rows in the dump, but the manifest does not list the table"));
            return problems.Count > 0
                ? new CheckResult("row-counts", false, string.Join("; ", problems))
                : new CheckResult("row-counts", true, $"{counted.Count} tables in the dump match the manifest's exact counts ({counted.Values.Sum().ToString("#,0", Grouped)} rows)");
        }

        foreach (var (name, minimum) in expectations.MinimumRows)
        {
            if (!counted.TryGetValue(name, out var found))
            {
                problems.Add($"{name}: at least {minimum} rows expected, but the dump holds no countable data for the table");
            }
            else if (found < minimum)
            {
                problems.Add($"{name}: at least {minimum} rows expected, the dump holds {found}");
            }
        }

        var note = uncounted.Count > 0 ? $"; not counted exactly: {string.Join(", ", uncounted.Select(t => t.QualifiedName))}" : string.Empty;
        return problems.Count > 0
            ? new CheckResult("row-counts", false, string.Join("; ", problems))
            : new CheckResult("row-counts", true, $"no manifest with exact counts: {counted.Count} tables counted from the dump ({counted.Values.Sum().ToString("#,0", Grouped)} rows); minimums met{note}");
    }
}
