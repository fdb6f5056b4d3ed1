using System.Text.Json;
using Npgsql;
using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification;
using PortfolioBackup.Verification.Loading;

namespace PortfolioBackup.Tests.Verification;

/// <summary>
/// The parallel loader restores exactly what pg_restore restores: the same dumps are loaded both ways and the databases
/// compared table by table (exact rows and an order-independent hash of every row), with sequences, indexes, constraints
/// and large objects; a bad row fails the restore check naming the table and the server's message, and nothing keeps loading.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ParallelLoaderTests(PostgresServerFixture fixture, LoaderServers servers) : IClassFixture<LoaderServers>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1, "0")]
    [InlineData(2, "6")]
    [InlineData(3, "9")]
    [InlineData(4, "1")]
    [InlineData(5, "0")]
    public async Task Both_loaders_restore_a_generated_schema_to_equal_databases(int seed, string compression)
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync(seeded: false);
        await fixture.ExecuteAsync(database, LoaderSchemas.Generate(new Random(seed)));
        var dump = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine($"generated-{seed}.dump"), ["-Fc", $"--compress={compression}"]);

        // Act
        var (classic, parallel) = await RestoreBothWaysAsync(servers.Classic, servers.TinyChunks, dump);

        // Assert
        parallel.Verdict.Loader.Should().Be("parallel", Restore(parallel.Verdict));
        classic.Verdict.Loader.Should().Be("pg_restore");
        Restore(parallel.Verdict).Should().Contain("parallel loader (2 connections)").And.Contain("cut into chunks");
        classic.Fingerprint.Tables.Should().HaveCountGreaterThan(3).And.ContainKey("public.\"nulls only\"");
        parallel.Fingerprint.Should().BeEquivalentTo(classic.Fingerprint, o => o.WithStrictOrdering(), $"seed {seed}: the parallel loader restores what pg_restore restores");
    }

    [Fact]
    public async Task Both_loaders_restore_a_bigger_dump_with_one_dominant_table_to_equal_databases()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, """
            CREATE TABLE public.events (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES public.users (id), payload jsonb NOT NULL, note text);
            INSERT INTO public.events (user_id, payload, note)
            SELECT 1 + g % 25, jsonb_build_object('g', g, 'h', md5(g::text), 'tags', jsonb_build_array(md5((g * 3)::text), g % 7)), E'row\t' || g || E'\\n' || md5(g::text)
            FROM generate_series(1, 120000) g;
            CREATE INDEX events_user_idx ON public.events (user_id);
            """);
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine("bigger.dump"));

        // Act
        var (classic, parallel) = await RestoreBothWaysAsync(servers.Classic, servers.Parallel, dump);

        // Assert
        Restore(parallel.Verdict).Should().Contain("parallel loader (2 connections)").And.Contain("1 cut into chunks");
        parallel.Fingerprint.Tables["public.events"].Should().StartWith("120000 rows");
        parallel.Fingerprint.Should().BeEquivalentTo(classic.Fingerprint, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task Large_objects_and_sequence_values_go_through_pg_restore_beside_the_parallel_rows()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "SELECT lo_from_bytea(0, decode('00ff0a5c', 'hex')); SELECT lo_from_bytea(0, convert_to('second large object', 'UTF8'));");
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine("blobs.dump"));

        // Act
        var (classic, parallel) = await RestoreBothWaysAsync(servers.Classic, servers.TinyChunks, dump);

        // Assert
        parallel.Verdict.Loader.Should().Be("parallel");
        Restore(parallel.Verdict).Should().MatchRegex(@"\d+ other data entries by pg_restore");
        parallel.Fingerprint.LargeObjects.Should().HaveCount(2);
        parallel.Fingerprint.Should().BeEquivalentTo(classic.Fingerprint, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task Dumps_the_parallel_loader_cannot_take_whole_go_to_pg_restore_and_the_verdict_says_why()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        var inserts = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine("inserts.dump"), ["-Fc", "--inserts"]);
        var piped = _dir.Combine("piped.dump");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await ToolRunner.RunCheckedAsync(
            new ToolInvocation(fixture.Server.Binaries.PathOf("pg_dump"), ["-Fc", database])
            {
                Environment = fixture.Server.ClientEnvironment(database),
                Secrets = [fixture.Password],
                StandardOutputFile = piped,
            },
            timeout.Token);

        // Act
        var fromInserts = await servers.Parallel.VerifyDumpAsync(inserts);
        var fromPipe = await servers.Parallel.VerifyDumpAsync(piped);

        // Assert
        fromInserts.Healthy.Should().BeTrue(string.Join("; ", fromInserts.Failures));
        fromInserts.Loader.Should().Be("pg_restore");
        Restore(fromInserts).Should().Contain("the parallel loader was not used").And.Contain("no COPY table data");
        fromPipe.Healthy.Should().BeTrue(string.Join("; ", fromPipe.Failures));
        fromPipe.Loader.Should().Be("pg_restore");
        Restore(fromPipe).Should().Contain("written to a pipe");
        await DropAsync(servers.Parallel, fromInserts, fromPipe);
    }

    [Fact]
    public async Task A_bad_row_fails_the_restore_naming_the_table_and_the_server_message_and_nothing_keeps_loading()
    {
        // Arrange: an uncompressed dump whose one integer is changed in place, so the archive still reads whole.
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, """
            CREATE TABLE public."bad.rows" (n int, t text);
            INSERT INTO public."bad.rows" SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
            UPDATE public."bad.rows" SET n = 987654 WHERE n = 15000;
            """);
        var dump = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine("bad.dump"), ["-Fc", "--compress=0"]);
        var bytes = await File.ReadAllBytesAsync(dump);
        var at = bytes.AsSpan().IndexOf("987654\t"u8);
        at.Should().BePositive();
        bytes[at + 2] = (byte)'x';
        await File.WriteAllBytesAsync(dump, bytes);

        // Act
        var verdict = await servers.TinyChunks.VerifyDumpAsync(dump);

        // Assert
        verdict.Healthy.Should().BeFalse();
        var restore = verdict.Checks.Single(c => c.Name == "restore");
        restore.Status.Should().Be(CheckStatus.Fail);
        restore.Detail.Should().Contain("public.\"bad.rows\"").And.Contain("invalid input syntax for type integer: \"98x654\"");
        verdict.Loader.Should().Be("parallel");
        (await LoaderConnectionsAsync(servers.TinyChunks)).Should().Be(0, "every loader connection is closed when the check fails");
    }

    [Fact]
    public async Task A_run_cancelled_while_rows_load_stops_every_loader_connection()
    {
        // Arrange: 300-byte chunks make the load of this table take thousands of COPYs, so the cancel lands inside it.
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "CREATE TABLE public.slow (n int, t text); INSERT INTO public.slow SELECT g, md5(g::text) FROM generate_series(1, 60000) g;");
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine("slow.dump"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var progress = new SynchronousProgress(p =>
        {
            if (p.Stage == "restore")
            {
                cancel.CancelAfter(TimeSpan.FromMilliseconds(700));
            }
        });

        // Act
        var run = () => servers.TinyChunks.VerifyDumpAsync(dump, progress, cancel.Token);

        // Assert
        await run.Should().ThrowAsync<OperationCanceledException>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await LoaderConnectionsAsync(servers.TinyChunks) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        (await LoaderConnectionsAsync(servers.TinyChunks)).Should().Be(0, "a cancelled run leaves nothing loading");
    }

    [Fact]
    public async Task Verify_takes_loader_on_the_command_line_and_the_json_says_which_ran()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        var environment = fixture.CliEnvironment(database, _dir.Path);

        // Act
        var parallel = await CliRunner.RunAsync(environment, "verify", "--engine", "local", "--jobs", "2", "--loader", "parallel", "--report", _dir.Combine("parallel.json"), dump);
        var classic = await CliRunner.RunAsync(environment, "verify", "--engine", "local", "--loader", "pg_restore", "--report", _dir.Combine("classic.json"), dump);
        var bogus = await CliRunner.RunAsync(environment, "verify", "--engine", "local", "--loader", "fast", dump);

        // Assert
        parallel.ExitCode.Should().Be(0, parallel.AllOutput);
        parallel.Output.Should().Contain("parallel loader (2 connections)");
        LoaderOf(_dir.Combine("parallel.json")).Should().Be("parallel");
        classic.ExitCode.Should().Be(0, classic.AllOutput);
        LoaderOf(_dir.Combine("classic.json")).Should().Be("pg_restore");
        bogus.ExitCode.Should().Be(2, bogus.AllOutput);
        bogus.AllOutput.Should().Contain("fast");
    }

    private static string? LoaderOf(string report)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return json.RootElement.GetProperty("dumps")[0].GetProperty("loader").GetString();
    }

    private static string Restore(DumpVerdict verdict) => verdict.Checks.Single(c => c.Name == "restore").Detail;

    private static async Task<((DumpVerdict Verdict, DatabaseFingerprint Fingerprint) Classic, (DumpVerdict Verdict, DatabaseFingerprint Fingerprint) Parallel)> RestoreBothWaysAsync(
        DumpVerifier classicVerifier, DumpVerifier parallelVerifier, string dump)
    {
        var classic = await RestoreAsync(classicVerifier, dump);
        var parallel = await RestoreAsync(parallelVerifier, dump);
        return (classic, parallel);
    }

    private static async Task<(DumpVerdict Verdict, DatabaseFingerprint Fingerprint)> RestoreAsync(DumpVerifier verifier, string dump)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var verdict = await verifier.VerifyDumpAsync(dump, cancellationToken: timeout.Token);
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures));
        try
        {
            return (verdict, await DatabaseFingerprint.TakeAsync(verifier.Server.ConnectionString(verdict.RestoredDatabase!)));
        }
        finally
        {
            await verifier.DropRestoredDatabaseAsync(verdict.RestoredDatabase!);
        }
    }

    private static async Task DropAsync(DumpVerifier verifier, params DumpVerdict[] verdicts)
    {
        foreach (var verdict in verdicts.Where(v => v.RestoredDatabase is not null))
        {
            await verifier.DropRestoredDatabaseAsync(verdict.RestoredDatabase!);
        }
    }

    private static async Task<long> LoaderConnectionsAsync(DumpVerifier verifier)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(verifier.Server.ConnectionString("postgres")) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'portfolio-backup loader%'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>Reports on the caller's thread, so a test reacts before the next stage starts.</summary>
internal sealed class SynchronousProgress(Action<VerificationProgress> report) : IProgress<VerificationProgress>
{
    public void Report(VerificationProgress value) => report(value);
}

/// <summary>Three throwaway local servers for the loader tests: pg_restore alone, the parallel loader, and the parallel loader cutting every table it can.</summary>
public sealed class LoaderServers : IAsyncLifetime
{
    public DumpVerifier Classic { get; private set; } = null!;

    public DumpVerifier Parallel { get; private set; } = null!;

    public DumpVerifier TinyChunks { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // Generated schemas have none of the portfolio's tables: only what the dump itself holds is expected.
        var anySchema = VerificationExpectations.Default with { RequiredTables = [], MinimumRows = new Dictionary<string, long>() };
        var options = new VerificationOptions
        {
            Server = new RestoreServerOptions { Engine = RestoreEngine.Local },
            Expectations = anySchema,
            Jobs = 2,
            KeepRestoredDatabases = true,
        };
        Classic = await DumpVerifier.CreateAsync(options with { Loader = RestoreLoader.PgRestore }, timeout.Token);
        Parallel = await DumpVerifier.CreateAsync(options with { Loader = RestoreLoader.Parallel }, timeout.Token);
        TinyChunks = await DumpVerifier.CreateAsync(
            options with { Loader = RestoreLoader.Parallel, LoaderTuning = new LoaderTuning { ChunkBytes = 300, SplitBytes = 4096 } }, timeout.Token);
    }

    public async Task DisposeAsync()
    {
        foreach (var verifier in new[] { Classic, Parallel, TinyChunks }.Where(v => v is not null))
        {
            await verifier.DisposeAsync();
        }
    }
}
