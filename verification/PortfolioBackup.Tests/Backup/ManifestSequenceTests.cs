using Npgsql;
using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Backup;

/// <summary>The manifest records every column-owned sequence as the dump holds it, read in the dump's snapshot.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ManifestSequenceTests(PostgresServerFixture fixture)
{
    private const string SourceSql = """
        CREATE TABLE public.behind (id serial PRIMARY KEY, note text);
        INSERT INTO public.behind (note) SELECT 'row ' || g FROM generate_series(1, 10) g;
        SELECT setval('public.behind_id_seq', 3);
        CREATE TABLE public.never_used (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
        CREATE SCHEMA "odd.Schema";
        CREATE TABLE "odd.Schema"."T b" ("I d" bigserial, label text);
        INSERT INTO "odd.Schema"."T b" (label) VALUES ('a'), ('b'), ('c');
        SELECT setval(pg_get_serial_sequence('"odd.Schema"."T b"', 'I d'), 7, false);
        CREATE SEQUENCE public.loose_seq;
        SELECT nextval('public.loose_seq');
        """;

    [Fact]
    public async Task Manifest_records_a_sequence_behind_its_column_exactly_as_the_restored_dump_holds_it()
    {
        // Arrange: a source whose sequence is deliberately behind its column (setval lower than max(id)).
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, SourceSql);
        using var temp = new TempDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        // Act
        var result = await BackupRunner.RunAsync(BackupTestSupport.Settings(fixture, database, temp.Path), timeout.Token);
        var manifest = await BackupManifest.ReadForDumpAsync(result.DumpPath, timeout.Token);
        var target = await fixture.CreateDatabaseAsync(seeded: false);
        var restore = await BackupTestSupport.PgRestoreAsync(fixture, "--exit-on-error", "--dbname", target, result.DumpPath);

        // Assert
        restore.Succeeded.Should().BeTrue(restore.StandardError);
        var sequences = manifest!.Sequences;
        sequences.Should().NotBeNull();
        sequences.Should().ContainEquivalentOf(new SequenceState("public", "behind_id_seq", 3, true, "public", "behind", "id", 10m));
        sequences.Should().ContainEquivalentOf(new SequenceState("public", "never_used_id_seq", 1, false, "public", "never_used", "id", null));
        sequences.Should().ContainEquivalentOf(new SequenceState("odd.Schema", "T b_I d_seq", 7, false, "odd.Schema", "T b", "I d", 3m));
        sequences!.Select(s => s.Name).Should().NotContain("loose_seq", "a sequence no column owns is not recorded");
        var behind = sequences.Single(s => s.Name == "behind_id_seq");
        behind.LastValue.Should().BeLessThan((long)behind.ColumnMax!.Value, "the source's sequence is behind its column");

        foreach (var sequence in sequences)
        {
            var (lastValue, isCalled) = await ReadSequenceAsync(target, sequence, timeout.Token);
            (lastValue, isCalled).Should().Be((sequence.LastValue, sequence.IsCalled), $"the dump restores {sequence.Schema}.{sequence.Name} as the manifest recorded it");
        }
    }

    [Fact]
    public async Task A_nextval_between_the_manifest_read_and_pg_dump_leaves_the_dump_ahead_of_the_manifest_never_behind()
    {
        // Arrange: sequences are not transactional, so a nextval after our read and before pg_dump's own read is in the
        // dump but not in the manifest. A check must therefore accept a restored sequence at or past the manifest's value.
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, SourceSql);
        using var temp = new TempDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var options = new BackupOptions
        {
            Settings = BackupTestSupport.Settings(fixture, database, temp.Path),
            Progress = message =>
            {
                if (message.StartsWith("dumping", StringComparison.Ordinal))
                {
                    using var connection = fixture.Server.OpenConnectionAsync(database).GetAwaiter().GetResult();
                    using var command = new NpgsqlCommand("SELECT nextval('public.behind_id_seq')", connection);
                    command.ExecuteScalar();
                }
            },
        };

        // Act
        var result = await BackupRunner.RunAsync(options, timeout.Token);
        var target = await fixture.CreateDatabaseAsync(seeded: false);
        var restore = await BackupTestSupport.PgRestoreAsync(fixture, "--exit-on-error", "--dbname", target, result.DumpPath);

        // Assert
        restore.Succeeded.Should().BeTrue(restore.StandardError);
        var recorded = result.Manifest.Sequences!.Single(s => s.Name == "behind_id_seq");
        recorded.LastValue.Should().Be(3);
        var (lastValue, isCalled) = await ReadSequenceAsync(target, recorded, timeout.Token);
        (lastValue, isCalled).Should().Be((4L, true), "pg_dump read the sequence after the concurrent nextval");
    }

    [Fact]
    public async Task Manifest_records_the_seeded_sequences_and_round_trips_them_through_json()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        // Act
        var result = await BackupRunner.RunAsync(BackupTestSupport.Settings(fixture, database, temp.Path), timeout.Token);
        var json = await File.ReadAllTextAsync(result.ManifestPath, timeout.Token);

        // Assert
        json.Should().Contain("\"sequences\"").And.Contain("\"lastValue\"").And.Contain("\"isCalled\"").And.Contain("\"columnMax\"");
        var reread = BackupManifest.FromJson(json, result.ManifestPath);
        reread.Sequences.Should().BeEquivalentTo(result.Manifest.Sequences, options => options.WithStrictOrdering());
        reread.Sequences.Should().Contain(s => s.TableSchema == "public" && s.TableName == "users" && s.Column == "id");
    }

    [Fact]
    public void Manifest_written_before_sequences_were_recorded_still_reads_with_no_sequences()
    {
        // Arrange
        const string json = """
            {
              "formatVersion": 1,
              "dumpFile": "backup_20261124_203059.dump",
              "database": "portfolio",
              "serverVersion": "15.18",
              "pgDumpVersion": "pg_dump (PostgreSQL) 15.18",
              "startedAt": "2026-11-24T20:30:59+00:00",
              "finishedAt": "2026-11-24T20:31:00+00:00",
              "sizeBytes": 332356,
              "sha256": "8a07de032c75af17dfdb837546c7b65063c8a67662cc82ba0198b243a21da7cb",
              "extensions": [{ "name": "plpgsql", "version": "1.0" }],
              "tables": [{ "schema": "public", "name": "users", "rows": 2000 }]
            }
            """;

        // Act
        var manifest = BackupManifest.FromJson(json, "old.manifest.json");

        // Assert
        manifest.Sequences.Should().BeNull();
        manifest.Tables.Should().ContainSingle();
        manifest.ToJson().Should().NotContain("sequences", "an unknown state is left out rather than written as an empty list");
    }

    private async Task<(long LastValue, bool IsCalled)> ReadSequenceAsync(string database, SequenceState sequence, CancellationToken cancellationToken)
    {
        await using var connection = await fixture.Server.OpenConnectionAsync(database, cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT (xpath('/row/l/text()', x))[1]::text::bigint, (xpath('/row/c/text()', x))[1]::text::boolean
            FROM query_to_xml(format('SELECT last_value AS l, is_called AS c FROM %I.%I', $1::text, $2::text), false, true, '') AS x
            """,
            connection);
        command.Parameters.AddWithValue(sequence.Schema);
        command.Parameters.AddWithValue(sequence.Name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        (await reader.ReadAsync(cancellationToken)).Should().BeTrue($"{sequence.Schema}.{sequence.Name} exists in the restored database");
        return (reader.GetInt64(0), reader.GetBoolean(1));
    }
}
