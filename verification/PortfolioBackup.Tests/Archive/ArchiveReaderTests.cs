using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Archive;

[Collection(PostgresCollection.Name)]
public sealed class ArchiveReaderTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Header_of_a_pg_dump_15_archive_reads_as_pg_dump_wrote_it()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("db.dump"));

        var toc = await ArchiveReader.ReadTocAsync(path);

        toc.Header.ArchiveVersion.Should().Be(new Version(1, 14, 0), "pg_dump 15 writes archive version 1.14");
        toc.Header.Compression.Should().Be(ArchiveCompression.Gzip);
        toc.Header.DatabaseName.Should().Be(database);
        toc.Header.PgDumpMajor.Should().Be(15);
        toc.Header.ServerMajor.Should().Be(15);
        toc.Header.IntSize.Should().Be(4);
        toc.Header.OffsetSize.Should().Be(8);
        toc.Header.CreatedAt.Should().NotBeNull();
        toc.Header.CreatedAt!.Value.Should().BeCloseTo(DateTime.Now, TimeSpan.FromMinutes(10));
        toc.Entries.Should().Contain(e => e.Desc == "TABLE" && e.Namespace == "Reporting Ünits" && e.Tag == "Order Items");
        toc.TableData.Select(e => e.QualifiedName).Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts.Keys);
        toc.TableData.Should().OnlyContain(e => e.DataState == DataOffsetState.Set && e.DataOffset > 0 && e.HadDumper);
        toc.Entries.Single(e => e.Desc == "TABLE" && e.Tag == "users").TableAccessMethod.Should().Be("heap");
        toc.Entries.Single(e => e.Desc == "TABLE DATA" && e.Tag == "users").Dependencies.Should().ContainSingle();
    }

    [Theory]
    [InlineData("gzip default")]
    [InlineData("--compress=0")]
    [InlineData("--compress=9")]
    public async Task Row_counts_of_a_dump_written_to_a_file_equal_the_seed(string compression)
    {
        var database = await fixture.CreateDatabaseAsync();
        string[] extra = compression.StartsWith("--", StringComparison.Ordinal) ? [compression] : [];
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("db.dump"), extra);

        var scan = await DumpMaker.ScanAsync(path);

        scan.Verdict.Should().Be(ArchiveVerdict.Complete, scan.Detail);
        scan.RowCounts.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
        scan.Tables.Should().OnlyContain(t => t.Format == TableDataFormat.Copy);
        scan.BytesRead.Should().Be(new FileInfo(path).Length);
        scan.Header!.Compression.Should().Be(compression == "--compress=0" ? ArchiveCompression.None : ArchiveCompression.Gzip);
    }

    [Fact]
    public async Task Row_counts_of_a_dump_written_to_a_pipe_equal_the_seed_and_its_offsets_are_unset()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpThroughPipeAsync(fixture, database, _dir.Combine("piped.dump"));

        var scan = await DumpMaker.ScanAsync(path);

        scan.Verdict.Should().Be(ArchiveVerdict.Complete, scan.Detail);
        scan.Toc!.HasDataOffsets.Should().BeFalse("pg_dump cannot seek back into a pipe to record offsets");
        scan.Toc.TableData.Should().OnlyContain(e => e.DataState == DataOffsetState.NotSet);
        scan.RowCounts.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }

    [Fact]
    public async Task Scanning_a_stream_gives_the_same_counts_as_scanning_the_file()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpThroughPipeAsync(fixture, database, _dir.Combine("piped.dump"), "--compress=0");
        await using var stream = File.OpenRead(path);

        var scan = await ArchiveReader.ScanAsync(stream, "stdin");

        scan.Verdict.Should().Be(ArchiveVerdict.Complete, scan.Detail);
        scan.RowCounts.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }

    [Theory]
    [InlineData("--inserts")]
    [InlineData("--column-inserts")]
    [InlineData("--rows-per-insert=3")]
    public async Task Row_counts_of_insert_dumps_are_exact(string option)
    {
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, """
            CREATE TABLE public.tricky (id int, body text, "we;ird(" text);
            INSERT INTO public.tricky VALUES
              (1, 'semi;colon ) and ( parens', 'x'),
              (2, E'new\nline\nINSERT INTO public.tricky VALUES (9);', 'it''s'),
              (3, 'back\slash '' quote', NULL),
              (4, 'VALUES (1), (2);', '"');
            CREATE TABLE public.no_columns ();
            INSERT INTO public.no_columns DEFAULT VALUES;
            INSERT INTO public.no_columns DEFAULT VALUES;
            """);
        var expected = new Dictionary<string, long>(PostgresServerFixture.SeedRowCounts) { ["public.tricky"] = 4, ["public.no_columns"] = 2 };
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("inserts.dump"), option);

        var scan = await DumpMaker.ScanAsync(path);

        scan.Verdict.Should().Be(ArchiveVerdict.Complete, scan.Detail);
        scan.Tables.Should().OnlyContain(t => t.Format == TableDataFormat.Inserts);
        scan.RowCounts.Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task Large_objects_are_counted_as_blobs_not_tables()
    {
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "SELECT lo_from_bytea(0, 'hello'::bytea); SELECT lo_from_bytea(0, repeat('x', 100000)::bytea);");
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("blobs.dump"));

        var scan = await DumpMaker.ScanAsync(path);

        scan.Verdict.Should().Be(ArchiveVerdict.Complete, scan.Detail);
        scan.Blobs.Should().Be(2);
        scan.RowCounts.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }
}
