using System.Text.Json;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Archive;

[Collection(PostgresCollection.Name)]
public sealed class InspectCommandTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string?> Environment => new(StringComparer.Ordinal)
    {
        ["PATH"] = System.Environment.GetEnvironmentVariable("PATH"),
        ["PG_BIN_DIR"] = DumpMaker.Binaries.Directory,
    };

    [Fact]
    public async Task Inspect_prints_header_row_counts_and_the_pg_restore_listing()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("db.dump"));

        var run = await CliRunner.RunAsync(Environment, "inspect", path);

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("archive version: 1.14.0").And.Contain("compression:     gzip").And.Contain($"database:        {database}");
        run.Output.Should().Contain("verdict:         complete");
        run.Output.Should().MatchRegex(@"public\.images\s+137");
        run.Output.Should().MatchRegex(@"Reporting Ünits\.Order Items\s+7");
        run.Output.Should().Contain("pg_restore -l (pg_restore 15):").And.Contain("; Archive created at");
        run.Output.Should().Contain("TABLE DATA public images");
    }

    [Fact]
    public async Task Inspect_json_holds_the_same_facts()
    {
        var database = await fixture.CreateDatabaseAsync();
        var path = await DumpMaker.DumpThroughPipeAsync(fixture, database, _dir.Combine("piped.dump"));

        var run = await CliRunner.RunAsync(Environment, "inspect", path, "--json");

        run.ExitCode.Should().Be(0, run.AllOutput);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        root.GetProperty("verdict").GetString().Should().Be("complete");
        root.GetProperty("header").GetProperty("archiveVersion").GetString().Should().Be("1.14.0");
        root.GetProperty("header").GetProperty("database").GetString().Should().Be(database);
        root.GetProperty("toc").GetProperty("dataOffsetsRecorded").GetBoolean().Should().BeFalse();
        var rows = root.GetProperty("tables").EnumerateArray()
            .ToDictionary(t => $"{t.GetProperty("schema").GetString()}.{t.GetProperty("name").GetString()}", t => t.GetProperty("rows").GetInt64());
        rows.Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
        root.GetProperty("pgRestore").GetProperty("list").GetString().Should().Contain("TABLE DATA");
    }

    [Fact]
    public async Task Inspect_of_a_plain_sql_dump_says_what_it_is_and_fails()
    {
        var database = await fixture.CreateDatabaseAsync();
        var plain = _dir.Combine("plain.sql");
        await DumpMaker.RunAsync(fixture, database, ["--format=plain", "--file", plain, database], null);

        var run = await CliRunner.RunAsync(Environment, "inspect", plain);

        run.ExitCode.Should().Be(1);
        run.Output.Should().Contain("kind:            plain SQL script");
        run.Error.Should().Contain("is not a custom-format dump").And.Contain("psql");
    }

    [Fact]
    public async Task Inspect_of_a_truncated_dump_names_where_it_ends_and_fails()
    {
        var database = await fixture.CreateDatabaseAsync();
        var source = await DumpMaker.DumpToFileAsync(fixture, database, _dir.Combine("full.dump"));
        var bytes = await File.ReadAllBytesAsync(source);
        var path = _dir.Combine("cut.dump");
        await File.WriteAllBytesAsync(path, bytes.AsMemory(0, bytes.Length - 100).ToArray());

        var run = await CliRunner.RunAsync(Environment, "inspect", path);

        run.ExitCode.Should().Be(1);
        run.Output.Should().Contain("verdict:         INCOMPLETE").And.Contain("truncated");
    }

    [Fact]
    public async Task Inspect_of_a_missing_file_fails_with_a_clear_message()
    {
        var run = await CliRunner.RunAsync(Environment, "inspect", _dir.Combine("nope.dump"));

        run.ExitCode.Should().Be(1);
        run.Error.Should().Contain("does not exist");
    }
}
