using Npgsql;
using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Tests.Verification;

/// <summary>
/// The full tier starts the restore beside the quick checks (issue 19), and the verdict stays quick-first: a dump that fails
/// a quick check gets that verdict, its restore "not run", and what the early restore did is cancelled and taken back.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OverlappedRestoreTests(PostgresServerFixture fixture) : IDisposable
{
    private static readonly VerificationOptions Local = new()
    {
        Server = new RestoreServerOptions { Engine = RestoreEngine.Local },
        Jobs = 2,
    };

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_early_check_runs_beside_the_checks_ahead_of_it_and_its_result_is_used_when_they_pass()
    {
        // Arrange: the check ahead passes only once the overlapping check has started, so the pipeline must have overlapped them.
        await using var context = await ContextAsync();
        var early = new RecordingOverlapCheck();
        var ahead = new WaitingCheck("ahead", early.Started, pass: true);
        early.Ahead = ahead;

        // Act
        var results = await RunAsync([ahead, early], context, overlap: true);

        // Assert
        early.AheadFinishedWhenStarted.Should().BeFalse("the check started while the one ahead of it still ran");
        results.Select(r => (r.Name, r.Status)).Should().Equal(("ahead", CheckStatus.Pass), ("early", CheckStatus.Pass));
        results[1].Detail.Should().Be("ran");
        early.Discarded.Should().BeFalse();
    }

    [Fact]
    public async Task An_early_check_whose_turn_never_comes_is_cancelled_taken_back_and_reported_not_run()
    {
        // Arrange: the check ahead fails while the overlapping one is still busy.
        await using var context = await ContextAsync();
        var early = new RecordingOverlapCheck { Hold = true };
        var ahead = new WaitingCheck("ahead", early.Started, pass: false);

        // Act
        var results = await RunAsync([ahead, early], context, overlap: true);

        // Assert
        results[1].Should().Be(CheckResult.NotRun("early", "the ahead check failed"));
        early.Cancelled.Should().BeTrue("an early run that is not used is stopped, not left running");
        early.Discarded.Should().BeTrue("what it left in the context is taken back");
    }

    [Fact]
    public async Task Without_overlap_the_check_starts_only_after_the_checks_ahead_of_it()
    {
        // Arrange
        await using var context = await ContextAsync();
        var early = new RecordingOverlapCheck();
        var ahead = new WaitingCheck("ahead", Task.CompletedTask, pass: true);
        early.Ahead = ahead;

        // Act
        var results = await RunAsync([ahead, early], context, overlap: false);

        // Assert
        results.Should().OnlyContain(r => r.Passed);
        early.AheadFinishedWhenStarted.Should().BeTrue("without overlap (the restore pre-flight) nothing starts before its turn");
    }

    [Fact]
    public async Task A_dump_cut_inside_its_data_gets_the_quick_verdict_while_the_early_restore_is_stopped_and_dropped()
    {
        // Arrange: the table of contents reads whole, so the restore starts beside the scan; the data ends early.
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        var bytes = await File.ReadAllBytesAsync(dump);
        await File.WriteAllBytesAsync(dump, bytes[..^100]);
        var quick = await QuickVerifier.VerifyDumpAsync(dump, new QuickVerificationOptions());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await using var verifier = await DumpVerifier.CreateAsync(Local, timeout.Token);

        // Act
        var verdict = await verifier.VerifyDumpAsync(dump, cancellationToken: timeout.Token);

        // Assert: the quick tier's verdict, word for word; nothing restored, and nothing left on the server.
        verdict.Healthy.Should().BeFalse();
        verdict.Checks.Take(quick.Checks.Count).Should().Equal(quick.Checks);
        verdict.Checks.Single(c => c.Name == "restore").Should().Be(CheckResult.NotRun("restore", $"the {quick.Checks.First(c => !c.Passed).Name} check failed"));
        verdict.Checks.Where(c => c.Status == CheckStatus.Fail).Should().Equal(
            quick.Checks.Where(c => c.Status == CheckStatus.Fail), "a damaged file fails in the quick tier only, never as a restore failure");
        verdict.Loader.Should().BeNull();
        verdict.RestoredDatabase.Should().BeNull();
        (await VerifyDatabasesAsync(verifier.Server, timeout.Token)).Should().Be(0, "the early restore's database is dropped like any other");
        ProcFsChildren("pg_restore").Should().BeEmpty("the early pg_restore is killed, not left running");
    }

    [Fact]
    public async Task A_dump_failing_a_quick_check_after_its_early_restore_finished_shows_no_restore_and_keeps_no_database()
    {
        // Arrange: a whole dump, so the early restore succeeds, but the manifest's counts differ (dump-rows fails).
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump, m => m with
        {
            Tables = m.Tables!.Select(t => t.QualifiedName == "public.images" ? t with { Rows = 140 } : t).ToList(),
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await using var verifier = await DumpVerifier.CreateAsync(Local with { KeepRestoredDatabases = true }, timeout.Token);

        // Act
        var verdict = await verifier.VerifyDumpAsync(dump, cancellationToken: timeout.Token);

        // Assert
        verdict.Checks.Single(c => c.Name == "dump-rows").Status.Should().Be(CheckStatus.Fail);
        verdict.Checks.Single(c => c.Name == "restore").Should().Be(CheckResult.NotRun("restore", "the dump-rows check failed"));
        verdict.Loader.Should().BeNull("the verdict says no loader ran, as when the restore waited for its turn");
        verdict.RestoredDatabase.Should().BeNull("a restore that is not part of the verdict is not kept");
        (await VerifyDatabasesAsync(verifier.Server, timeout.Token)).Should().Be(0);
    }

    private static async Task<long> VerifyDatabasesAsync(IRestoreServer server, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname LIKE 'verify\\_%'", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static List<int> ProcFsChildren(string name) =>
        Lifetime.ProcFs.Descendants(Environment.ProcessId).Where(p => Lifetime.ProcFs.CommandLine(p).Contains(name, StringComparison.Ordinal)).ToList();

    private async Task<CheckContext> ContextAsync()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        var server = new UnusedServer();
        return await CheckContext.CreateAsync(dump, new CheckContextOptions { Server = server, Target = new RestoreServerTarget(server) }, CancellationToken.None);
    }

    private static async Task<IReadOnlyList<CheckResult>> RunAsync(IReadOnlyList<IVerificationCheck> checks, CheckContext context, bool overlap)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        return await CheckPipeline.RunAsync(checks, context, TimeSpan.FromMinutes(1), timeout.Token, overlap);
    }

    /// <summary>Passes or fails once <paramref name="until"/> has happened (or after 5 s, so a pipeline that never overlaps still ends).</summary>
    private sealed class WaitingCheck(string name, Task until, bool pass) : IVerificationCheck
    {
        public string Name => name;

        public CheckNeeds Needs => CheckNeeds.None;

        public bool Finished { get; private set; }

        public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
        {
            await Task.WhenAny(until, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
            Finished = true;
            return pass ? CheckResult.Pass(Name, "passed") : CheckResult.Fail(Name, "failed");
        }
    }

    /// <summary>An overlapping check that records when it started, whether it was cancelled and whether it was taken back.</summary>
    private sealed class RecordingOverlapCheck : IOverlappingCheck
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "early";

        public CheckNeeds Needs => CheckNeeds.Target;

        public Task Started => _started.Task;

        /// <summary>Runs until cancelled (a long restore) instead of finishing at once.</summary>
        public bool Hold { get; init; }

        public bool Cancelled { get; private set; }

        public bool Discarded { get; private set; }

        public WaitingCheck? Ahead { get; set; }

        public bool? AheadFinishedWhenStarted { get; private set; }

        public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
        {
            AheadFinishedWhenStarted = Ahead?.Finished;
            _started.SetResult();
            if (Hold)
            {
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Cancelled = true;
                    throw;
                }
            }

            return CheckResult.Pass(Name, "ran");
        }

        public ValueTask DiscardAsync(CheckContext context)
        {
            Discarded = true;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A target that is there but never used: the checks under test do not touch it.</summary>
    private sealed class UnusedServer : IRestoreServer
    {
        public string EngineName => "none";

        public string? Image => null;

        public int MajorVersion => 15;

        public string ServerVersion => "15";

        public string ConnectionString(string database) => throw new NotSupportedException();

        public Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ToolResult> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
