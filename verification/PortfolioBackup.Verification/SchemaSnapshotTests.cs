using Npgsql;
using PortfolioBackup.VerificationSuite.Fixtures;
using Snapshooter;
using Snapshooter.Xunit;

namespace PortfolioBackup.VerificationSuite;

/// <summary>
/// The newest dump's tables (with columns) and extensions match the snapshot committed in __snapshots__, so schema
/// drift shows up as a diff to review (see README.md for updating it).
/// </summary>
[Collection(RestoredDumpsCollection.Name)]
public sealed class SchemaSnapshotTests(RestoredDatabases databases)
{
    private const string ColumnsSql = """
        SELECT n.nspname || '.' || c.relname,
               a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p')
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1, a.attnum
        """;

    [Theory]
    [MemberData(nameof(DumpCase.Newest), MemberType = typeof(DumpCase))]
    public async Task Newest_dump_has_the_recorded_schema(DumpCase dump)
    {
        // Arrange
        databases.ShouldHaveSomethingToVerify();
        var verdict = await databases.VerifyAsync(dump);
        await using var connection = await databases.OpenAsync(dump);

        // Act
        var columns = new List<(string Table, string Column)>();
        await using (var command = new NpgsqlCommand(ColumnsSql, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var schema = new
        {
            verdict.Database,
            Tables = columns.GroupBy(c => c.Table, StringComparer.Ordinal)
                .Select(g => new { Name = g.Key, Columns = g.Select(c => c.Column).ToList() })
                .ToList(),
            Extensions = verdict.Extensions.Order(StringComparer.Ordinal).ToList(),
        };

        // Assert: one snapshot per source database, so the sample's schema never overwrites production's.
        Snapshot.Match(schema, SnapshotNameExtension.Create(verdict.Database ?? "unknown"));
    }
}
