using System.Globalization;
using System.Text;
using Npgsql;
using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Archive;

/// <summary>
/// Property: for any schema, the reader's per-table counts equal <c>count(*) FROM ONLY</c> on the source. Schemas are
/// generated from a seed (awkward names, values with tabs, newlines and backslashes, NULLs, empty tables, partitions,
/// inheritance), dumped by real pg_dump with and without compression, to a file and to a pipe.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GeneratedSchemaRowCountTests(PostgresServerFixture fixture) : IDisposable
{
    private static readonly string[] NameParts = ["users", "select", "Order Items", "naïve ☃", "from", "x\"quote", "CamelCase", "t"];
    private static readonly string[] ColumnTypes = ["int", "text", "jsonb", "bytea", "numeric", "timestamptz", "boolean"];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1, "0", false)]
    [InlineData(2, "6", false)]
    [InlineData(3, "9", true)]
    [InlineData(4, "0", true)]
    [InlineData(5, "1", false)]
    public async Task Reader_counts_equal_count_star_on_the_source_for_a_generated_schema(int seed, string compression, bool toPipe)
    {
        // Arrange
        var random = new Random(seed);
        var database = await fixture.CreateDatabaseAsync(seeded: false);
        await fixture.ExecuteAsync(database, GenerateSchema(random));
        var expected = await CountEveryPhysicalTableAsync(database);
        var dump = _dir.Combine($"generated-{seed}.dump");
        await DumpAsync(database, dump, compression, toPipe);

        // Act
        var sequential = await ArchiveReader.ScanAsync(dump);
        var parallel = await ArchiveReader.ScanAsync(dump, new ArchiveScanOptions { Parallelism = 2 });

        // Assert
        expected.Should().HaveCountGreaterThan(2).And.ContainKey("public.empty ∅").WhoseValue.Should().Be(0);
        expected.Values.Should().Contain(v => v > 0);
        sequential.IsComplete.Should().BeTrue(sequential.Detail);
        sequential.RowCounts.Should().BeEquivalentTo(expected, $"seed {seed}: the dump holds exactly the source's rows");
        parallel.RowCounts.Should().BeEquivalentTo(expected, $"seed {seed}: the parallel reader counts the same");
    }

    private static string GenerateSchema(Random random)
    {
        var sql = new StringBuilder();
        var tables = random.Next(3, 8);
        for (var t = 0; t < tables; t++)
        {
            var schema = random.Next(3) == 0 ? $"s {t} ü" : "public";
            if (schema != "public")
            {
                sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE SCHEMA IF NOT EXISTS {Quote(schema)};");
            }

            var name = $"{NameParts[random.Next(NameParts.Length)]} {t}";
            var columns = Enumerable.Range(0, random.Next(1, 5)).Select(c => (Name: $"c{c}", Type: ColumnTypes[random.Next(ColumnTypes.Length)])).ToList();
            var table = $"{Quote(schema)}.{Quote(name)}";
            var shape = random.Next(4);
            var definition = string.Join(", ", columns.Select(c => $"{c.Name} {c.Type}"));
            var rows = random.Next(4) == 0 ? 0 : random.Next(1, 400);
            if (shape == 0)
            {
                // Partitioned: only the partitions are physical tables; the parent holds no rows of its own.
                sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE {table} (k int NOT NULL, {definition}) PARTITION BY RANGE (k);");
                sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE {Quote(schema)}.{Quote(name + " low")} PARTITION OF {table} FOR VALUES FROM (0) TO (200);");
                sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE {Quote(schema)}.{Quote(name + " high")} PARTITION OF {table} FOR VALUES FROM (200) TO (400);");
            }
            else if (shape == 1)
            {
                sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE {table} (k int, {definition});");
                sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE {Quote(schema)}.{Quote(name + " child")} (extra text) INHERITS ({table});");
                sql.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO {Quote(schema)}.{Quote(name + " child")} (k, extra) SELECT g, E'child\\tvalue' FROM generate_series(1, {random.Next(0, 50)}) g;");
            }
            else
            {
                sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE {table} (k int, {definition});");
            }

            var values = string.Join(", ", columns.Select(c => ValueFor(c.Type, random)));
            sql.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO {table} SELECT g % 400, {values} FROM generate_series(0, {rows - 1}) g;");
        }

        // An empty table in every schema: zero rows must count as 0, not be missing.
        sql.AppendLine("CREATE TABLE public.\"empty ∅\" (v text);");
        return sql.ToString();
    }

    private static string ValueFor(string type, Random random) => (type, random.Next(3)) switch
    {
        (_, 0) => "NULL",
        ("int", _) => "g * 7",
        ("text", _) => @"E'line\nbreak\ttab \\ backslash ' || g",
        ("jsonb", _) => "jsonb_build_object('g', g, 's', E'a\\nb')",
        ("bytea", _) => "decode(md5(g::text), 'hex')",
        ("numeric", _) => "g / 3.0",
        ("timestamptz", _) => "now() - g * interval '1 minute'",
        _ => "g % 2 = 0",
    };

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private async Task<Dictionary<string, long>> CountEveryPhysicalTableAsync(string database)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = await fixture.Server.OpenConnectionAsync(database);
        var tables = new List<(string Schema, string Name)>();
        await using (var list = new NpgsqlCommand(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
            connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (schema, name) in tables)
        {
            await using var count = new NpgsqlCommand(
                "SELECT (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM ONLY %I.%I', $1::text, $2::text), false, true, '')))[1]::text::bigint",
                connection);
            count.Parameters.AddWithValue(schema);
            count.Parameters.AddWithValue(name);
            counts[$"{schema}.{name}"] = (long)(await count.ExecuteScalarAsync())!;
        }

        return counts;
    }

    private async Task DumpAsync(string database, string path, string compression, bool toPipe)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var arguments = new List<string> { "-Fc", $"--compress={compression}", database };
        if (!toPipe)
        {
            arguments.InsertRange(0, ["--file", path]);
        }

        await ToolRunner.RunCheckedAsync(
            new ToolInvocation(fixture.Server.Binaries.PathOf("pg_dump"), arguments)
            {
                Environment = fixture.Server.ClientEnvironment(database),
                Secrets = [fixture.Password],
                StandardOutputFile = toPipe ? path : null,
            },
            timeout.Token);
    }
}
