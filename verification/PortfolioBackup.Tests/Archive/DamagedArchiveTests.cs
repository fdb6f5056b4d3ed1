using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Archive;

[Collection(PostgresCollection.Name)]
public sealed class DamagedArchiveTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_truncation_of_a_valid_dump_is_an_incomplete_verdict_never_an_exception()
    {
        var database = await fixture.CreateDatabaseAsync();
        var full = await File.ReadAllBytesAsync(await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("full.dump")));
        var random = new Random(20240601);
        var cuts = Enumerable.Range(0, 250).Select(_ => random.Next(5, full.Length))
            .Concat([5, 6, 40, full.Length - 1, full.Length - 5, full.Length - 6]).Distinct().ToList();

        foreach (var cut in cuts)
        {
            var path = _dir.Combine($"cut-{cut}.dump");
            await File.WriteAllBytesAsync(path, full.AsMemory(0, cut).ToArray());

            var scan = await DumpMaker.ScanAsync(path);

            scan.Verdict.Should().Be(ArchiveVerdict.Incomplete, $"the dump was cut at byte {cut} of {full.Length}: {scan.Detail}");
            scan.Detail.Should().Contain("truncated");
            scan.BytesRead.Should().BeLessThanOrEqualTo(cut);
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Truncation_inside_a_table_names_the_table_and_counts_the_tables_before_it()
    {
        var database = await fixture.CreateDatabaseAsync();
        var source = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("full.dump"), "--compress=0");
        var toc = await ArchiveReader.ReadTocAsync(source);
        var images = toc.TableData.Single(e => e.Tag == "images");
        var cut = images.DataOffset + 200;
        var path = _dir.Combine("cut.dump");
        await File.WriteAllBytesAsync(path, (await File.ReadAllBytesAsync(source)).AsMemory(0, (int)cut).ToArray());

        var scan = await DumpMaker.ScanAsync(path);

        scan.Verdict.Should().Be(ArchiveVerdict.Incomplete);
        scan.Detail.Should().Contain("table public.images").And.Contain($"after {cut} bytes");
        var imagesRow = scan.Tables.Single(t => t.Name == "images");
        imagesRow.Rows.Should().BeNull();
        imagesRow.NotCountedReason.Should().Contain("ends");
        foreach (var before in toc.TableData.TakeWhile(e => e.DumpId != images.DumpId))
        {
            scan.RowCounts[before.QualifiedName].Should().Be(PostgresServerFixture.SeedRowCounts[before.QualifiedName]);
        }
    }

    [Fact]
    public async Task A_flipped_byte_in_compressed_data_is_a_corrupt_verdict()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("flipped.dump"));
        var images = (await ArchiveReader.ReadTocAsync(path)).TableData.Single(e => e.Tag == "images");
        var bytes = await File.ReadAllBytesAsync(path);
        // Block: type byte, dump id (sign + 4 bytes), then the first chunk's length (sign + 4 bytes) and its bytes.
        var chunkStart = (int)images.DataOffset + 6;
        var chunkLength = BitConverter.ToInt32(bytes, chunkStart + 1);
        bytes[chunkStart + 5 + (chunkLength / 2)] ^= 0x5A;
        await File.WriteAllBytesAsync(path, bytes);

        var scan = await DumpMaker.ScanAsync(path);

        scan.Verdict.Should().Be(ArchiveVerdict.Corrupt, scan.Detail);
        scan.Detail.Should().Contain("public.images");
    }

    [Fact]
    public async Task An_unknown_compression_algorithm_is_a_verdict_naming_it()
    {
        var path = await CraftVersion115Async(algorithm: 7);

        var scan = await DumpMaker.ScanAsync(path);

        scan.Verdict.Should().Be(ArchiveVerdict.UnsupportedCompression);
        scan.Detail.Should().Contain("unknown (7)");
        scan.Toc.Should().NotBeNull("the TOC does not depend on the data's compression");
    }

    [Fact]
    public async Task A_version_1_15_header_with_its_algorithm_byte_reads_whole()
    {
        var path = await CraftVersion115Async(algorithm: 1);

        var scan = await DumpMaker.ScanAsync(path);

        scan.Header!.ArchiveVersion.Should().Be(new Version(1, 15, 0));
        scan.Header.Compression.Should().Be(ArchiveCompression.Gzip);
        scan.Verdict.Should().Be(ArchiveVerdict.Complete, scan.Detail);
        scan.RowCounts.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }

    [Fact]
    public async Task Plain_tar_and_directory_dumps_are_named_for_what_they_are()
    {
        var database = await fixture.CreateDatabaseAsync();
        var plain = _dir.Combine("plain.sql");
        var tar = _dir.Combine("dump.tar");
        var directory = _dir.Combine("dumpdir");
        await DumpMaker.RunAsync(fixture, database, ["--format=plain", "--file", plain, database], null);
        await DumpMaker.RunAsync(fixture, database, ["--format=tar", "--file", tar, database], null);
        await DumpMaker.RunAsync(fixture, database, ["--format=directory", "--file", directory, database], null);

        (await DumpMaker.ScanAsync(plain)).FileKind.Should().Be(DumpFileKind.PlainSql);
        (await DumpMaker.ScanAsync(tar)).FileKind.Should().Be(DumpFileKind.Tar);
        (await DumpMaker.ScanAsync(directory)).FileKind.Should().Be(DumpFileKind.Directory);
        foreach (var path in new[] { plain, tar, directory })
        {
            (await DumpMaker.ScanAsync(path)).Verdict.Should().Be(ArchiveVerdict.NotAnArchive);
        }
    }

    [Fact]
    public async Task Empty_random_and_missing_files_are_verdicts()
    {
        var empty = _dir.Combine("empty.dump");
        await File.WriteAllBytesAsync(empty, []);
        var random = _dir.Combine("random.dump");
        var bytes = new byte[10_000];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(random, bytes);

        var emptyScan = await DumpMaker.ScanAsync(empty);
        var randomScan = await DumpMaker.ScanAsync(random);
        var missingScan = await DumpMaker.ScanAsync(_dir.Combine("nope.dump"));

        emptyScan.FileKind.Should().Be(DumpFileKind.Empty);
        randomScan.FileKind.Should().Be(DumpFileKind.NotADump);
        missingScan.FileKind.Should().Be(DumpFileKind.Missing);
        new[] { emptyScan, randomScan, missingScan }.Should().OnlyContain(s => s.Verdict == ArchiveVerdict.NotAnArchive && !s.IsComplete);
    }

    [Fact]
    public async Task Random_bytes_after_a_valid_magic_are_a_verdict_not_an_exception()
    {
        var random = new Random(11);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(6, 4000)];
            random.NextBytes(bytes);
            "PGDMP"u8.CopyTo(bytes);
            var path = _dir.Combine($"junk-{i}.dump");
            await File.WriteAllBytesAsync(path, bytes);

            var scan = await DumpMaker.ScanAsync(path);

            scan.IsComplete.Should().BeFalse();
        }
    }

    /// <summary>Rewrites a pg_dump 15 archive (1.14) as 1.15: the 5-byte compression level becomes one algorithm byte.</summary>
    private async Task<string> CraftVersion115Async(byte algorithm)
    {
        var database = await fixture.CreateDatabaseAsync();
        // Written to a pipe, so the TOC records no offsets that the 4 bytes removed below would make wrong.
        var bytes = await File.ReadAllBytesAsync(await DumpMaker.DumpThroughPipeAsync(fixture, database, _dir.Combine("v114.dump")));
        bytes[6].Should().Be(14);
        bytes[6] = 15;
        var crafted = bytes.AsSpan(0, 11).ToArray().Append(algorithm).Concat(bytes.AsSpan(16).ToArray()).ToArray();
        var path = _dir.Combine($"v115-{algorithm}.dump");
        await File.WriteAllBytesAsync(path, crafted);
        return path;
    }
}
