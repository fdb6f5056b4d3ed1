using System.Security.Cryptography;
using System.Text.Json;
using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Archive;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Verification;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Speed;

[Collection(PostgresCollection.Name)]
public sealed class QuickTierTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Parallel_scan_gives_the_same_counts_sizes_and_hash_as_the_sequential_one()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine("db.dump"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        var sequential = await ArchiveReader.ScanAsync(dump, new ArchiveScanOptions { ComputeSha256 = true }, timeout.Token);
        var parallel = await ArchiveReader.ScanAsync(dump, new ArchiveScanOptions { Parallelism = 2, ComputeSha256 = true }, timeout.Token);

        parallel.Parallelism.Should().Be(2);
        sequential.Parallelism.Should().Be(1);
        parallel.Verdict.Should().Be(ArchiveVerdict.Complete, parallel.Detail);
        parallel.Tables.Should().Equal(sequential.Tables);
        parallel.RowCounts.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
        parallel.Detail.Should().Be(sequential.Detail);
        var fileHash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(dump)));
        parallel.Sha256.Should().Be(fileHash);
        sequential.Sha256.Should().Be(fileHash);
    }

    [Fact]
    public async Task Low_priority_scan_gives_the_same_counts_and_hash_and_leaves_the_thread_pool_at_normal_priority()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine("db.dump"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var niceBefore = await Task.Run(CurrentThreadNice);

        var normal = await ArchiveReader.ScanAsync(dump, new ArchiveScanOptions { ComputeSha256 = true }, timeout.Token);
        var low = await ArchiveReader.ScanAsync(dump, new ArchiveScanOptions { ComputeSha256 = true, LowPriority = true }, timeout.Token);

        low.Verdict.Should().Be(ArchiveVerdict.Complete, low.Detail);
        low.Tables.Should().Equal(normal.Tables);
        low.RowCounts.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
        low.Sha256.Should().Be(normal.Sha256);
        (await Task.Run(CurrentThreadNice)).Should().Be(niceBefore, "the lowered priority stays on the scan's own thread");
    }

    [Fact]
    public async Task Parallel_scan_of_a_pipe_written_dump_reads_in_order_with_the_same_counts()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await DumpMaker.DumpThroughPipeAsync(fixture, database, _dir.Combine("piped.dump"));

        var scan = await ArchiveReader.ScanAsync(dump, new ArchiveScanOptions { Parallelism = 2, ComputeSha256 = true });

        scan.Parallelism.Should().Be(1, "a pipe-written archive has no data offsets to seek to");
        scan.RowCounts.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
        scan.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(dump))));
    }

    [Fact]
    public async Task Parallel_scan_of_a_truncated_dump_gives_the_sequential_verdict()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine("db.dump"));
        await using (var file = new FileStream(dump, FileMode.Open))
        {
            file.SetLength(file.Length - 40);
        }

        var sequential = await ArchiveReader.ScanAsync(dump);
        var parallel = await ArchiveReader.ScanAsync(dump, new ArchiveScanOptions { Parallelism = 2 });

        parallel.Verdict.Should().Be(ArchiveVerdict.Incomplete);
        parallel.Detail.Should().Be(sequential.Detail);
    }

    [Fact]
    public async Task Quick_tier_passes_a_healthy_dump_against_its_manifest_without_a_server()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);

        var report = await QuickVerifier.VerifyAsync([dump], new QuickVerificationOptions());

        report.Tier.Should().Be("quick");
        var verdict = report.Dumps.Single();
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures));
        verdict.Checks.Select(c => c.Name).Should().Equal("file", "toc", "data", "dump-rows", "dump-tables");
        verdict.Engine.Should().Be("none");
        verdict.ExpectedRowsSource.Should().Be("manifest");
        verdict.Tables.Should().OnlyContain(t => t.ExpectedRows == t.Rows);
        verdict.Tables.ToDictionary(t => $"{t.Schema}.{t.Name}", t => t.Rows).Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }

    [Fact]
    public async Task Quick_tier_fails_a_count_that_differs_from_the_manifest()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump, m => m with
        {
            Tables = m.Tables!.Select(t => t.QualifiedName == "public.users" ? t with { Rows = t.Rows + 1 } : t).ToList(),
        });

        var verdict = (await QuickVerifier.VerifyAsync([dump], new QuickVerificationOptions())).Dumps.Single();

        verdict.Healthy.Should().BeFalse();
        verdict.Failures.Single().Name.Should().Be("dump-rows");
        verdict.Failures.Single().Detail.Should().Contain("public.users: expected 26 rows, the dump holds 25");
    }

    [Fact]
    public async Task Quick_verify_CLI_reports_a_truncated_dump_with_exit_1_and_tier_quick_in_json()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await using (var file = new FileStream(dump, FileMode.Open))
        {
            file.SetLength(file.Length - 40);
        }

        var reportPath = _dir.Combine("report.json");
        var result = await CliRunner.RunAsync(new Dictionary<string, string?>(), "verify", "--quick", "--report", reportPath, dump);

        result.ExitCode.Should().Be(1, result.AllOutput);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        json.RootElement.GetProperty("tier").GetString().Should().Be("quick");
        var check = json.RootElement.GetProperty("dumps")[0].GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "data");
        check.GetProperty("passed").GetBoolean().Should().BeFalse();
        check.GetProperty("detail").GetString().Should().Contain("truncated");
    }

    /// <summary>The nice value of the calling thread (field 19 of /proc/thread-self/stat).</summary>
    private static int CurrentThreadNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
