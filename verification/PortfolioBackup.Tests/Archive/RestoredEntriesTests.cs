using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Archive;

/// <summary>The native table of contents names the entries pg_restore acts on exactly as <c>pg_restore --list</c> does.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RestoredEntriesTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("plain")]
    [InlineData("database comment and settings")]
    [InlineData("--create")]
    [InlineData("--data-only")]
    [InlineData("--schema-only")]
    public async Task The_entries_a_restore_acts_on_are_the_ones_pg_restore_lists(string shape)
    {
        var database = await fixture.CreateDatabaseAsync();
        if (shape == "database comment and settings")
        {
            await fixture.ExecuteAsync(database, $"COMMENT ON DATABASE {database} IS 'the portfolio'; ALTER DATABASE {database} SET work_mem = '8MB'");
        }

        var options = shape.StartsWith("--", StringComparison.Ordinal) ? new[] { shape } : [];
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("db.dump"), options);
        var listed = ToolRunner.RunSync(DumpMaker.Binaries.PathOf("pg_restore"), ["--list", path])
            .Split('\n').Count(l => l.Length > 0 && !l.StartsWith(';'));

        var toc = await ArchiveReader.ReadTocAsync(path);

        toc.RestoredEntries.Should().HaveCount(listed);
        toc.Entries.Count.Should().BeGreaterThan(listed, "the session settings and the database's own entries are in the archive too");
    }
}
