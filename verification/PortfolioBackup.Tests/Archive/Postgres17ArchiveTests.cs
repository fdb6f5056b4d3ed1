using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Fixtures;
using Testcontainers.PostgreSql;

namespace PortfolioBackup.Tests.Archive;

/// <summary>One postgres:17 container with a few seeded tables; pg_dump 17 runs inside it (archive 1.16, lz4 and zstd).</summary>
public sealed class Postgres17ArchiveFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, long> RowCounts = new Dictionary<string, long>
    {
        ["public.items"] = 5000,
        ["public.empty"] = 0,
        ["Odd Schema.Lines"] = 3,
        ["public.parted_a"] = 10,
        ["public.parted_b"] = 15,
    };

    public PostgreSqlContainer Container { get; } = new PostgreSqlBuilder("postgres:17")
        .WithLabel("org.testcontainers", "true")
        .Build();

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await Container.StartAsync(timeout.Token);
        var result = await Container.ExecScriptAsync("""
            CREATE TABLE public.items (id int PRIMARY KEY, body text);
            INSERT INTO public.items SELECT g, repeat('row ' || g, 20) FROM generate_series(1, 5000) g;
            CREATE TABLE public.empty (id int);
            CREATE SCHEMA "Odd Schema";
            CREATE TABLE "Odd Schema"."Lines" (t text);
            INSERT INTO "Odd Schema"."Lines" VALUES (E'a\nb'), (''), (E'back\\slash');
            CREATE TABLE public.parted (id int, k text) PARTITION BY LIST (k);
            CREATE TABLE public.parted_a PARTITION OF public.parted FOR VALUES IN ('a');
            CREATE TABLE public.parted_b PARTITION OF public.parted FOR VALUES IN ('b');
            INSERT INTO public.parted SELECT g, 'a' FROM generate_series(1, 10) g;
            INSERT INTO public.parted SELECT g, 'b' FROM generate_series(1, 15) g;
            SELECT lo_from_bytea(0, 'large object'::bytea);
            """, timeout.Token);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"seeding postgres:17 failed: {result.Stderr}");
        }
    }

    public async Task DisposeAsync() => await Container.DisposeAsync();

    /// <summary>Runs pg_dump 17 inside the container and copies the archive out.</summary>
    public async Task<string> DumpAsync(string targetPath, params string[] options)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var inside = $"/tmp/{Guid.NewGuid():N}.dump";
        var result = await Container.ExecAsync(["pg_dump", "-U", "postgres", "-d", "postgres", "--format=custom", .. options, "--file", inside], timeout.Token);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_dump 17 failed: {result.Stderr}");
        }

        await File.WriteAllBytesAsync(targetPath, await Container.ReadFileAsync(inside, timeout.Token), timeout.Token);
        return targetPath;
    }
}

public sealed class Postgres17ArchiveTests(Postgres17ArchiveFixture container) : IClassFixture<Postgres17ArchiveFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("lz4", ArchiveCompression.Lz4)]
    [InlineData("zstd", ArchiveCompression.Zstd)]
    [InlineData("gzip", ArchiveCompression.Gzip)]
    [InlineData("none", ArchiveCompression.None)]
    public async Task Row_counts_of_a_pg_dump_17_archive_equal_the_seed(string algorithm, ArchiveCompression expected)
    {
        var path = await container.DumpAsync(_dir.Combine($"{algorithm}.dump"), $"--compress={algorithm}");

        var scan = await DumpMaker.ScanAsync(path);

        scan.Header!.ArchiveVersion.Should().Be(new Version(1, 16, 0), "pg_dump 17 writes archive version 1.16");
        scan.Header.Compression.Should().Be(expected);
        scan.Header.PgDumpMajor.Should().Be(17);
        scan.Verdict.Should().Be(ArchiveVerdict.Complete, scan.Detail);
        scan.RowCounts.Should().BeEquivalentTo(Postgres17ArchiveFixture.RowCounts);
        scan.Blobs.Should().Be(1);
        scan.Entries.Single(e => e.Desc == "TABLE" && e.Tag == "parted").RelKind.Should().Be('p', "archive 1.16 records relkind");
        scan.Entries.Single(e => e.Desc == "TABLE" && e.Tag == "items").RelKind.Should().Be('r');
    }

    [Theory]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Truncated_pg_dump_17_archives_are_incomplete_verdicts(string algorithm)
    {
        var full = await File.ReadAllBytesAsync(await container.DumpAsync(_dir.Combine($"{algorithm}.dump"), $"--compress={algorithm}"));
        var random = new Random(3);

        foreach (var cut in Enumerable.Range(0, 60).Select(_ => random.Next(5, full.Length)).Distinct())
        {
            var path = _dir.Combine($"cut-{cut}.dump");
            await File.WriteAllBytesAsync(path, full.AsMemory(0, cut).ToArray());

            var scan = await DumpMaker.ScanAsync(path);

            scan.Verdict.Should().Be(ArchiveVerdict.Incomplete, $"cut at {cut} of {full.Length}: {scan.Detail}");
        }
    }

    [Fact]
    public async Task Inspect_with_an_older_pg_restore_says_so_and_keeps_the_native_counts()
    {
        var path = await container.DumpAsync(_dir.Combine("zstd.dump"), "--compress=zstd");
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["PG_BIN_DIR"] = DumpMaker.Binaries.Directory,
        };

        var run = await CliRunner.RunAsync(environment, "inspect", path);

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("compression:     zstd").And.MatchRegex(@"public\.items\s+5,000");
        run.Output.Should().Contain("pg_restore 15 is too old for archive version 1.16.0");
    }
}
