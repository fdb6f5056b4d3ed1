using Npgsql;
using PortfolioBackup.Catalog;
using PortfolioBackup.Engines;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Verification;

/// <summary>
/// Proves dumps restore: starts one throwaway server (discover once), then restores each dump into a fresh database on
/// it, checks what came back against the manifest and the expectations, and drops the database (except the last one of
/// <see cref="VerifyAsync(IReadOnlyList{string}, VerificationOptions, IProgress{VerificationProgress}?, CancellationToken)"/>,
/// which goes with the server).
/// </summary>
public sealed class DumpVerifier : IAsyncDisposable
{
    private readonly StartedRestoreServer _started;
    private readonly VerificationOptions _options;
    private readonly IReadOnlyList<UpgradeTarget> _upgrades;

    private DumpVerifier(StartedRestoreServer started, VerificationOptions options, IReadOnlyList<UpgradeTarget> upgrades)
    {
        _started = started;
        _options = options;
        _upgrades = upgrades;
    }

    /// <summary>The server dumps are restored into.</summary>
    public IRestoreServer Server => _started.Server;

    /// <summary>How the run was set up: the engine decision first, then notes on the image and versions.</summary>
    public IReadOnlyList<string> Notes => [_started.Decision, .. _started.Notes];

    /// <summary>Chooses the engine and starts the one server every later verification reuses.</summary>
    public static Task<DumpVerifier> CreateAsync(VerificationOptions options, CancellationToken cancellationToken = default) =>
        CreateAsync(options, [], cancellationToken);

    /// <summary>
    /// Starts the one server for these dumps: the one place that decides, for the CLI and the xunit suite alike, which
    /// folders a container mounts and whether the data folder fits on tmpfs (the largest dump decides).
    /// </summary>
    public static async Task<DumpVerifier> CreateAsync(VerificationOptions options, IReadOnlyList<string> dumps, CancellationToken cancellationToken = default)
    {
        options = ForDumps(options, dumps);
        var started = await RestoreServerFactory.StartAsync(options.Server, options.Environment, cancellationToken);
        var upgrades = new List<UpgradeTarget>();
        foreach (var image in options.AlsoImages)
        {
            upgrades.Add(await StartUpgradeTargetAsync(options, image, cancellationToken));
        }

        return new DumpVerifier(started, options, upgrades);
    }

    // A server of another image that cannot start (not built, no Docker) is the warning of its own check, never a crash.
    private static async Task<UpgradeTarget> StartUpgradeTargetAsync(VerificationOptions options, string image, CancellationToken cancellationToken)
    {
        try
        {
            var server = options.Server with { Engine = RestoreEngine.Container, Image = image, Compose = new Compose.ComposeOptions() };
            var started = await RestoreServerFactory.StartAsync(server, options.Environment, cancellationToken);
            return new UpgradeTarget(image, started.Server, null);
        }
        catch (PortfolioBackupException ex)
        {
            return new UpgradeTarget(image, null, ex.Message);
        }
    }

    /// <summary>Verifies every dump on one server and returns the verdicts; an unhealthy dump is a verdict, not an exception.</summary>
    public static async Task<VerificationReport> VerifyAsync(
        IReadOnlyList<string> dumps,
        VerificationOptions options,
        IProgress<VerificationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (dumps.Count == 0)
        {
            return new VerificationReport([], ["no dumps to verify"]);
        }

        var timings = PhaseTimings.For(options.Environment);

        // The first dump's file, manifest and native read need no server, so they run while it starts, not after it.
        var first = StartedDump.Start(dumps[0], options, progress, cancellationToken);
        DumpVerifier verifier;
        try
        {
            verifier = await timings.TimeAsync("server start", () => CreateAsync(options, dumps, cancellationToken));
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }

        var verdicts = new List<DumpVerdict>();
        try
        {
            for (var i = 0; i < dumps.Count; i++)
            {
                var dump = i == 0 ? first : StartedDump.Start(dumps[i], options, progress, cancellationToken);

                // The last database is not dropped: the server and its folder go right after, and DROP DATABASE costs more
                // (a checkpoint, every file unlinked) than throwing the whole server away.
                verdicts.Add(await verifier.VerifyAsync(dump, dropDatabase: i < dumps.Count - 1, cancellationToken));
            }
        }
        finally
        {
            await timings.TimeAsync("server stop", async () =>
            {
                await verifier.DisposeAsync();
                return true;
            });
            timings.Print();
        }

        return new VerificationReport(verdicts, verifier.Notes);
    }

    /// <summary>Verifies one dump in a fresh database, appends the verdict to the ledger (when configured) and returns it.</summary>
    public Task<DumpVerdict> VerifyDumpAsync(string dumpPath, IProgress<VerificationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        VerifyAsync(StartedDump.Start(dumpPath, _options, progress, cancellationToken), dropDatabase: true, cancellationToken);

    private async Task<DumpVerdict> VerifyAsync(StartedDump dump, bool dropDatabase, CancellationToken cancellationToken)
    {
        await using var owned = dump;
        var timings = dump.Timings;
        IReadOnlyList<CheckResult> checks;
        string? kept = null;
        var context = await dump.ContextAsync();
        context.UseServer(Server, _upgrades);
        try
        {
            checks = await CheckPipeline.RunAsync(
                VerificationTiers.Full(_options.Expectations, _options.AlsoImages), context, _options.DumpTimeout, cancellationToken, overlap: true);
            if (_options.KeepRestoredDatabases && context.Restored is not null)
            {
                kept = context.CreatedDatabase;
            }
        }
        finally
        {
            if (context.CreatedDatabase is { } created && kept is null && dropDatabase)
            {
                await timings.TimeAsync("drop database", async () =>
                {
                    await DropDatabaseAsync(created);
                    return true;
                });
            }
        }

        var verdict = new DumpVerdict
        {
            File = dump.Path,
            Engine = Server.EngineName,
            Image = Server.Image,
            ServerVersion = Server.ServerVersion,
            DurationSeconds = Math.Round(dump.Elapsed.TotalSeconds, 3),
            RestoreSeconds = context.Restored is { } restored ? Math.Round(restored.RestoreSeconds, 3) : null,
            Checks = checks,
            Extensions = context.Extensions,
            Tables = context.Tables,
            Schema = context.Schema,
            Sha256 = context.FileSha256,
            Database = context.Database,
            RestoredDatabase = kept,
            ExpectedRowsSource = context.ExpectedRowsSource,
            LackedKey = context.LackedKey,
            Loader = context.Loader,
        };

        if (_options.LedgerDirectory is { } ledger)
        {
            // An unwritable ledger does not change the verdict: it travels with it as a warning the report prints.
            var entry = LedgerEntryOf(verdict);
            if (await VerificationLedger.AppendAsync(ledger, _options.Signer?.Sign(entry) ?? entry, cancellationToken) is { } warning)
            {
                verdict = verdict with { Warnings = [.. verdict.Warnings, warning] };
            }
        }

        if (context.FinishedArchive is { } read)
        {
            timings.Add("archive read (whole)", read.Duration);
        }

        timings.Print();
        return verdict;
    }

    private static VerificationOptions ForDumps(VerificationOptions options, IReadOnlyList<string> dumps)
    {
        if (dumps.Count == 0)
        {
            return options;
        }

        if (options.Server.MountDirectories.Count == 0)
        {
            // The container engine's tools read dumps in place, so their folders must be mounted.
            var folders = dumps.Select(d => Path.GetDirectoryName(Path.GetFullPath(d))!).Distinct(StringComparer.Ordinal).ToList();
            options = options with { Server = options.Server with { MountDirectories = folders } };
        }

        if (!options.Server.DataOnRam)
        {
            // Dumps are restored one after another and dropped, so the largest one decides.
            var largest = dumps.Select(d => new FileInfo(d)).Where(f => f.Exists).Select(f => f.Length).DefaultIfEmpty(0).Max();
            options = options with { Server = options.Server with { DataOnRam = DataPlacement.ShouldUseRam(DataPlacement.EstimateRestoredBytes(largest, compressed: true)) } };
        }

        return options;
    }

    /// <summary>Drops a database kept by <see cref="VerificationOptions.KeepRestoredDatabases"/> (the server's disposal removes it too).</summary>
    public Task DropRestoredDatabaseAsync(string database) => DropDatabaseAsync(database);

    /// <summary>Stops the servers and removes them.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var upgrade in _upgrades)
        {
            if (upgrade.Server is { } server)
            {
                await server.DisposeAsync();
            }
        }

        await _started.DisposeAsync();
    }

    private async Task DropDatabaseAsync(string database)
    {
        // Runs after cancellation too, so it has its own short deadline instead of the caller's token.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await using var connection = new NpgsqlConnection(Server.ConnectionString("postgres"));
            await connection.OpenAsync(deadline.Token);
            await Sql.ExecuteFormattedAsync(connection, "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', @name)", database, deadline.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
        {
            // The server is thrown away afterwards; a database left on it costs nothing.
        }
    }

    internal static LedgerEntry LedgerEntryOf(DumpVerdict verdict) => new()
    {
        File = Path.GetFileName(verdict.File),
        Sha256 = verdict.Sha256,
        VerifiedAt = DateTimeOffset.UtcNow,
        Database = verdict.Database,
        Engine = verdict.Engine,
        Image = verdict.Image,
        Healthy = verdict.Healthy,
        Tables = verdict.Tables.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal),
        Schema = verdict.Schema,
        Warnings = verdict.WarningChecks.Select(c => $"{c.Name}: {c.Detail}").ToList(),
        VerifySeconds = verdict.DurationSeconds,
        RestoreSeconds = verdict.RestoreSeconds,
    };
}
