using System.Text;
using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Archive;

/// <summary>Archives crafted or damaged to mislead the reader: lying lengths, corrupt gzip, a TOC whose text was changed, names that collide as "schema.name".</summary>
[Collection(PostgresCollection.Name)]
public sealed class HostileArchiveTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_small_file_claiming_a_200_MB_string_in_its_header_costs_little_memory_and_is_not_complete()
    {
        var path = _dir.Combine("liar.dump");
        await File.WriteAllBytesAsync(path, Header(stringLength: 200 * 1024 * 1024, totalLength: 158));
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var scan = await DumpMaker.ScanAsync(path);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        scan.IsComplete.Should().BeFalse();
        scan.Detail.Should().Contain("string of 209715200 bytes");
        allocated.Should().BeLessThan(16L * 1024 * 1024, "a 158-byte file cannot hold a 200 MB string");
    }

    [Fact]
    public async Task A_header_claiming_a_two_gigabyte_string_is_damaged_and_costs_little_memory()
    {
        var path = _dir.Combine("liar.dump");
        await File.WriteAllBytesAsync(path, Header(stringLength: int.MaxValue - 15, totalLength: 158));
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "verify", "--quick", path);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.AllOutput.Should().Contain("damaged").And.Contain("not plausible");
        allocated.Should().BeLessThan(16L * 1024 * 1024);
    }

    [Fact]
    public async Task A_toc_claiming_two_billion_entries_is_damaged_and_costs_little_memory()
    {
        var path = _dir.Combine("liar.dump");
        var bytes = Header(stringLength: 2, totalLength: 0).ToList();
        bytes.AddRange(Int(0));
        bytes.AddRange(Int(0)); // server and pg_dump versions: empty strings
        bytes.AddRange(Int(int.MaxValue)); // the TOC's entry count
        bytes.AddRange(new byte[40]);
        await File.WriteAllBytesAsync(path, [.. bytes]);
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var scan = await DumpMaker.ScanAsync(path);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        scan.Verdict.Should().Be(ArchiveVerdict.Corrupt, scan.Detail);
        scan.Detail.Should().Contain("TOC entry count");
        allocated.Should().BeLessThan(16L * 1024 * 1024);
    }

    [Fact]
    public async Task Corrupt_gzip_data_is_reported_as_corrupt_compressed_data_naming_the_table_and_offset()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("flipped.dump"));
        var images = (await ArchiveReader.ReadTocAsync(path)).TableData.Single(e => e.Tag == "images");
        var bytes = await File.ReadAllBytesAsync(path);
        var chunkStart = (int)images.DataOffset + 6;
        var chunkLength = BitConverter.ToInt32(bytes, chunkStart + 1);
        for (var i = 0; i < 8; i++)
        {
            bytes[chunkStart + 5 + (chunkLength / 2) + i] ^= 0xA5;
        }

        await File.WriteAllBytesAsync(path, bytes);

        var scan = await DumpMaker.ScanAsync(path);

        scan.Verdict.Should().Be(ArchiveVerdict.Corrupt, scan.Detail);
        scan.Detail.Should().Contain("corrupt gzip-compressed data").And.Contain("table public.images").And.Contain($"byte {images.DataOffset}");
        scan.Detail.Should().NotContain("unsupported compression method");
    }

    [Fact]
    public async Task A_changed_tag_in_the_toc_is_not_a_healthy_dump_without_a_manifest()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("backup_20250101_000000.dump"));
        var bytes = await File.ReadAllBytesAsync(path);
        var tag = IndexOf(bytes, [.. Str("users"), .. Str("TABLE DATA")]);
        bytes[tag + 5 + 2] = (byte)'X';
        await File.WriteAllBytesAsync(path, bytes);

        var scan = await DumpMaker.ScanAsync(path);
        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "verify", "--quick", path);

        scan.IsComplete.Should().BeFalse(scan.Detail);
        scan.Detail.Should().Contain("usXrs").And.Contain("public.users");
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.AllOutput.Should().Contain("usXrs").And.Contain("FAIL  toc: the table of contents is inconsistent");
    }

    [Fact]
    public async Task A_changed_data_offset_in_the_toc_is_not_complete()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("offset.dump"));
        var images = (await ArchiveReader.ReadTocAsync(path)).TableData.Single(e => e.Tag == "images");
        var bytes = await File.ReadAllBytesAsync(path);
        var offset = OffsetFieldOf(bytes, "images");
        BitConverter.ToInt64(bytes, offset + 1).Should().Be(images.DataOffset, "the test found the right field");
        bytes[offset + 1] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var scan = await ArchiveReader.ScanAsync(path, new ArchiveScanOptions { Parallelism = 2 });

        scan.IsComplete.Should().BeFalse(scan.Detail);
        scan.Detail.Should().Contain("public.images").And.Contain($"byte {images.DataOffset ^ 1}").And.Contain($"byte {images.DataOffset}");
    }

    [Fact]
    public async Task A_data_entry_depending_on_an_entry_the_toc_does_not_list_is_not_complete()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("deps.dump"));
        var bytes = await File.ReadAllBytesAsync(path);
        var end = OffsetFieldOf(bytes, "users") - 5; // the NULL string that ends the dependency list
        var digit = end - 1;
        while (bytes[digit] is >= (byte)'0' and <= (byte)'9')
        {
            bytes[digit--] = (byte)'9';
        }

        await File.WriteAllBytesAsync(path, bytes);

        var scan = await DumpMaker.ScanAsync(path);

        scan.IsComplete.Should().BeFalse(scan.Detail);
        scan.Detail.Should().Contain("public.users").And.Contain("depends on entry 9");
    }

    [Fact]
    public async Task Tables_whose_schema_dot_name_collide_are_kept_apart()
    {
        var database = await fixture.CreateDatabaseAsync(seeded: false);
        await fixture.ExecuteAsync(database, """
            CREATE SCHEMA "a.b"; CREATE TABLE "a.b".c (id int); INSERT INTO "a.b".c SELECT generate_series(1, 3);
            CREATE SCHEMA a; CREATE TABLE a."b.c" (id int); INSERT INTO a."b.c" SELECT generate_series(1, 5);
            """);
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("names.dump"));

        var scan = await DumpMaker.ScanAsync(path);
        var rowCounts = () => scan.RowCounts;

        scan.IsComplete.Should().BeTrue(scan.Detail);
        scan.Tables.Select(t => (t.Schema, t.Name, t.Rows)).Should().BeEquivalentTo(new[] { ("a.b", "c", (long?)3), ("a", "b.c", (long?)5) });
        rowCounts.Should().NotThrow();
    }

    private static int OffsetFieldOf(byte[] bytes, string tableDataTag)
    {
        var entry = IndexOf(bytes, [.. Str(tableDataTag), .. Str("TABLE DATA")]);
        // The dependency list ends with a NULL string (sign 1, value 1); the offset's flag byte (2: set) follows it.
        return IndexOf(bytes, [1, 1, 0, 0, 0, 2], entry) + 5;
    }

    private static int IndexOf(byte[] bytes, byte[] pattern, int from = 0)
    {
        var index = bytes.AsSpan(from).IndexOf(pattern);
        index.Should().BeGreaterThanOrEqualTo(0, "the pattern is in the dump");
        return from + index;
    }

    private static byte[] Int(int value) => [(byte)(value < 0 ? 1 : 0), .. BitConverter.GetBytes(Math.Abs(value))];

    private static byte[] Str(string value) => [.. Int(Encoding.UTF8.GetByteCount(value)), .. Encoding.UTF8.GetBytes(value)];

    /// <summary>A 1.14 header (int size 4, offset size 8, gzip) whose database name claims <paramref name="stringLength"/> bytes.</summary>
    private static byte[] Header(int stringLength, int totalLength)
    {
        var bytes = new List<byte>();
        bytes.AddRange("PGDMP"u8.ToArray());
        bytes.AddRange([1, 14, 0, 4, 8, 1]);
        bytes.AddRange(Int(-1)); // zlib level: default
        foreach (var field in new[] { 0, 0, 12, 1, 0, 125, 0 })
        {
            bytes.AddRange(Int(field));
        }

        bytes.AddRange(Int(stringLength));
        if (stringLength == 2)
        {
            bytes.AddRange("db"u8.ToArray());
        }

        while (bytes.Count < totalLength)
        {
            bytes.Add((byte)'x');
        }

        return [.. bytes];
    }
}
