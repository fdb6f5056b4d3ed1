using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using PortfolioBackup.Archive;
using PortfolioBackup.Backup;
using PortfolioBackup.Engines;

namespace PortfolioBackup.Verification;

/// <summary>
/// Proves dumps restore: starts one throwaway server (discover once), then restores each dump into a fresh database on
/// it, checks what came back against the manifest and the expectations, and drops the database.
/// </summary>
public sealed partial class DumpVerifier : IAsyncDisposable
{
    private static readonly NumberFormatInfo Grouped = new() { NumberGroupSeparator = " ", NumberGroupSizes = [3] };

    private readonly StartedRestoreServer _started;
    private readonly VerificationOptions _options;

    private DumpVerifier(StartedRestoreServer started, VerificationOptions options)
    {
        _started = started;
        _options = options;
    }

    /// <summary>The server dumps are restored into.</summary>
    public IRestoreServer Server => _started.Server;

    /// <summary>How the run was set up: the engine decision first, then notes on the image and versions.</summary>
    public IReadOnlyList<string> Notes => [_started.Decision, .. _started.Notes];

    /// <summary>Chooses the engine and starts the one server every later verification reuses.</summary>
    public static async Task<DumpVerifier> CreateAsync(VerificationOptions options, CancellationToken cancellationToken = default)
    {
        var started = await RestoreServerFactory.StartAsync(options.Server, options.Environment, cancellationToken);
        return new DumpVerifier(started, options);
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

        var timings = PhaseTimings.For(options.Environment);
        var verifier = await timings.TimeAsync("server start", () => CreateAsync(options, cancellationToken));
        var verdicts = new List<DumpVerdict>();
        try
        {
            foreach (var dump in dumps)
            {
                verdicts.Add(await verifier.VerifyDumpAsync(dump, progress, cancellationToken));
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
    public async Task<DumpVerdict> VerifyDumpAsync(string dumpPath, IProgress<VerificationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.DumpTimeout);
        var run = new Run(dumpPath, progress, PhaseTimings.For(_options.Environment));
        try
        {
            await RunChecksAsync(run, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            run.Checks.Add(new CheckResult("timeout", false, $"verification did not finish within {_options.DumpTimeout.TotalMinutes:0.#} min and was stopped"));
        }

        var verdict = new DumpVerdict
        {
            File = dumpPath,
            Engine = Server.EngineName,
            Image = Server.Image,
            ServerVersion = Server.ServerVersion,
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
            Checks = run.Checks,
            Extensions = run.Extensions,
            Tables = run.Tables,
            Sha256 = run.Sha256,
            Database = run.Database,
            RestoredDatabase = run.KeptDatabase,
            ExpectedRowsSource = run.ExpectedRowsSource,
        };

        if (_options.LedgerDirectory is { } ledger)
        {
            if (await VerificationLedger.AppendAsync(ledger, ToLedgerEntry(verdict), cancellationToken) is { } warning)
            {
                await Console.Error.WriteLineAsync("warning: " + warning);
            }
        }

        run.Timings.Print();
        return verdict;
    }

    /// <summary>Drops a database kept by <see cref="VerificationOptions.KeepRestoredDatabases"/> (the server's disposal removes it too).</summary>
    public Task DropRestoredDatabaseAsync(string database) => DropDatabaseAsync(database);

    /// <summary>Stops the server and removes it.</summary>
    public ValueTask DisposeAsync() => _started.DisposeAsync();

    private async Task RunChecksAsync(Run run, CancellationToken cancellationToken)
    {
        run.Report("checking the file");
        var probe = await run.Timings.TimeAsync("probe", () => DumpProbe.ProbeAsync(run.Path, cancellationToken));
        run.Database = probe.Header?.DatabaseName;
        BackupManifest? manifest = null;
        string? manifestProblem = null;
        try
        {
            manifest = await BackupManifest.ReadForDumpAsync(run.Path, cancellationToken);
            run.Database = manifest?.Database ?? run.Database;
        }
        catch (InvalidManifestException ex)
        {
            manifestProblem = ex.Message;
        }

        if (probe.SizeBytes > 0)
        {
            run.Sha256 = await run.Timings.TimeAsync("sha256", () => FileHash.Sha256Async(run.Path, cancellationToken));
        }

        var (fileCheck, restorable) = FileCheck(probe, manifest, manifestProblem, run.Sha256);
        run.Checks.Add(fileCheck);
        if (!restorable)
        {
            run.SkipRest("the file is not a restorable custom-format dump");
            return;
        }

        // Without a manifest's counts the dump's own COPY data is the expectation; read natively while the restore runs,
        // at low priority: on two cores it otherwise slows the restore's critical path (2.77 s → 2.59 s median).
        var dumpCounts = manifest?.Tables is null
            ? run.Timings.TimeAsync("dump row-count scan", () => ArchiveReader.ScanAsync(run.Path, new ArchiveScanOptions { LowPriority = true }, cancellationToken))
            : null;
        run.Report("reading the table of contents");
        var mapped = await Server.MapDumpAsync(run.Path, cancellationToken);
        var toc = await run.Timings.TimeAsync("pg_restore -l", () => Server.RunToolAsync("pg_restore", ["-l", mapped], cancellationToken));
        if (!toc.Succeeded)
        {
            run.Checks.Add(new CheckResult("toc", false, FirstError(toc.StandardError, toc.ExitCode)));
            run.SkipRest("the table of contents cannot be read");
            return;
        }

        var dumpExtensions = TocExtensions(toc.StandardOutput);
        var entries = toc.StandardOutput.Split('\n').Count(l => l.Length > 0 && !l.StartsWith(';'));
        run.Checks.Add(new CheckResult("toc", true, $"{entries} entries read by pg_restore {Server.MajorVersion}"));

        var unavailable = await run.Timings.TimeAsync("available extensions", () => UnavailableExtensionsAsync(dumpExtensions, cancellationToken));
        var database = $"verify_{Guid.NewGuid():N}"[..23];
        await run.Timings.TimeAsync("create database", async () =>
        {
            // PostgreSQL 15+ copies a template block by block through the WAL by default (100 ms here); the file copy
            // strategy's checkpoint costs next to nothing on a throwaway server (35 ms).
            var create = Server.MajorVersion >= 15
                ? "SELECT format('CREATE DATABASE %I TEMPLATE template0 STRATEGY FILE_COPY', @name)"
                : "SELECT format('CREATE DATABASE %I TEMPLATE template0', @name)";
            await ExecuteAsync("postgres", create, database, cancellationToken);
            return true;
        });
        try
        {
            run.Report("restoring");
            var restore = await run.Timings.TimeAsync("pg_restore", () => Server.RunToolAsync(
                "pg_restore",
                // Roles of production do not exist on a throwaway server: ownership and grants are not what is being proven.
                ["--no-owner", "--no-privileges", "--exit-on-error", "--no-password", "-j", Math.Max(1, _options.Jobs).ToString(CultureInfo.InvariantCulture), "-d", database, mapped],
                cancellationToken));
            var restoreSeconds = restore.Duration.TotalSeconds;
            if (!restore.Succeeded)
            {
                run.Checks.Add(new CheckResult("restore", false, FirstError(restore.StandardError, restore.ExitCode)));
                run.Checks.Add(unavailable.Count > 0
                    ? UnavailableCheck(unavailable)
                    : CheckResult.NotRun("extensions", "restore failed"));
                run.SkipRest("restore failed");
                return;
            }

            run.Checks.Add(new CheckResult("restore", true, $"restored into a fresh database with pg_restore -j {Math.Max(1, _options.Jobs)} in {restoreSeconds:0.###} s"));
            run.Report("checking the restored database");
            await using var connection = new NpgsqlConnection(Server.ConnectionString(database));
            await connection.OpenAsync(cancellationToken);
            var expected = manifest?.Tables?.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal);
            var waited = Stopwatch.StartNew();
            var scanned = dumpCounts is null ? null : await dumpCounts;
            run.Timings.Add("wait for dump scan", waited.Elapsed);
            if (expected is null && scanned is { IsComplete: true } scan)
            {
                expected = scan.RowCounts.ToDictionary(StringComparer.Ordinal);
                run.ExpectedRowsSource = "dump";
            }
            else if (expected is not null)
            {
                run.ExpectedRowsSource = "manifest";
            }

            await run.Timings.TimeAsync("post-restore checks", async () =>
            {
                await CheckRestoredAsync(run, connection, manifest, expected, dumpExtensions, unavailable, restoreSeconds, cancellationToken);
                return true;
            });
            if (_options.KeepRestoredDatabases)
            {
                run.KeptDatabase = database;
            }
        }
        finally
        {
            if (run.KeptDatabase is null)
            {
                await run.Timings.TimeAsync("drop database", async () =>
                {
                    await DropDatabaseAsync(database);
                    return true;
                });
            }
        }
    }

    private async Task CheckRestoredAsync(
        Run run,
        NpgsqlConnection connection,
        BackupManifest? manifest,
        Dictionary<string, long>? expected,
        IReadOnlyList<string> dumpExtensions,
        IReadOnlyList<string> unavailable,
        double restoreSeconds,
        CancellationToken cancellationToken)
    {
        var expectations = _options.Expectations;

        // Extensions: what the dump brought, what the expectations require, and plpgsql actually running.
        var installed = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in QueryAsync(connection, "SELECT extname, extversion FROM pg_extension ORDER BY extname", cancellationToken))
        {
            installed[row.GetString(0)] = row.GetString(1);
        }

        run.Extensions = installed.Select(e => $"{e.Key} {e.Value}").ToList();
        var missingExtensions = dumpExtensions.Concat(expectations.RequiredExtensions).Distinct(StringComparer.Ordinal).Where(e => !installed.ContainsKey(e)).ToList();
        if (unavailable.Count > 0)
        {
            run.Checks.Add(UnavailableCheck(unavailable));
        }
        else if (missingExtensions.Count > 0)
        {
            run.Checks.Add(new CheckResult("extensions", false, $"missing after restore: {string.Join(", ", missingExtensions)}"));
        }
        else
        {
            var operational = await PlpgsqlRunsAsync(connection, cancellationToken);
            run.Checks.Add(operational is null
                ? new CheckResult("extensions", true, $"installed: {string.Join(", ", run.Extensions)}")
                : new CheckResult("extensions", false, $"plpgsql is installed but does not run: {operational}"));
        }

        // Physical tables (plain tables and partitions; not partitioned parents, views or extension-owned tables).
        var tables = new List<(string Schema, string Name, string Quoted)>();
        await foreach (var row in QueryAsync(connection, PhysicalTablesSql, cancellationToken))
        {
            tables.Add((row.GetString(0), row.GetString(1), row.GetString(2)));
        }

        var present = tables.Select(t => $"{t.Schema}.{t.Name}").ToHashSet(StringComparer.Ordinal);
        var missingTables = expectations.RequiredTables.Where(t => !present.Contains(t)).ToList();
        run.Checks.Add(missingTables.Count > 0
            ? new CheckResult("tables", false, $"required tables missing after restore: {string.Join(", ", missingTables)}")
            : new CheckResult("tables", true, $"{tables.Count} physical tables; required present: {string.Join(", ", expectations.RequiredTables)}"));

        // Exact rows per table, FROM ONLY so an inheritance parent does not count its children's rows again.
        var verdicts = new List<TableVerdict>();
        foreach (var table in tables)
        {
            var rows = await ScalarAsync<long>(connection, $"SELECT count(*) FROM ONLY {table.Quoted}", cancellationToken);
            long? want = expected is not null && expected.TryGetValue($"{table.Schema}.{table.Name}", out var w) ? w : null;
            verdicts.Add(new TableVerdict(table.Schema, table.Name, rows, want));
        }

        run.Tables = verdicts;
        run.Checks.Add(RowCountCheck(verdicts, expected, run.ExpectedRowsSource, expectations));
        run.Checks.Add(await SequenceCheckAsync(connection, cancellationToken));
        run.Checks.Add(ExtensionVersionCheck(manifest, installed));

        foreach (var smoke in expectations.SmokeQueries)
        {
            run.Checks.Add(await SmokeCheckAsync(connection, smoke, cancellationToken));
        }

        var budget = expectations.RestoreBudgetSeconds;
        run.Checks.Add(budget is { } limit && restoreSeconds > limit
            ? new CheckResult("restore-time", false, $"restore took {restoreSeconds:0.###} s, over the budget of {limit:0.###} s")
            : new CheckResult("restore-time", true, budget is { } b ? $"restore took {restoreSeconds:0.###} s (budget {b:0.###} s)" : $"restore took {restoreSeconds:0.###} s (no budget set)"));

        if (_options.LedgerDirectory is { } ledger)
        {
            run.Checks.Add(await RowDropCheckAsync(ledger, run, verdicts, cancellationToken));
        }
    }

    private (CheckResult Check, bool Restorable) FileCheck(DumpProbeResult probe, BackupManifest? manifest, string? manifestProblem, string? sha256)
    {
        var target = $"the target runs PostgreSQL {Server.ServerVersion} ({Server.EngineName}{(Server.Image is null ? string.Empty : " " + Server.Image)})";
        if (probe.Kind == DumpFileKind.UnsupportedVersion)
        {
            return (new CheckResult("file", false, $"{probe.Detail}; {target}"), false);
        }

        if (!probe.IsCustomArchive || probe.Header is not { } header)
        {
            return (new CheckResult("file", false, probe.Detail), false);
        }

        var newestReadable = NewestArchiveVersion(Server.MajorVersion);
        if (newestReadable is not null && header.ArchiveVersion > newestReadable)
        {
            return (new CheckResult("file", false, $"archive version {header.ArchiveVersion.ToString(3)} (pg_dump {header.PgDumpVersion}) is newer than pg_restore {Server.MajorVersion} reads ({newestReadable.ToString(3)}); {target}. Verify with the production image (--image) or newer programs."), false);
        }

        if (header.PgDumpMajor > Server.MajorVersion && Server.MajorVersion > 0)
        {
            return (new CheckResult("file", false, $"the dump was written by pg_dump {header.PgDumpVersion}, newer than {target}; pg_restore {Server.MajorVersion} cannot be trusted with it. Verify with the production image (--image) or PostgreSQL {header.PgDumpMajor} programs."), false);
        }

        var summary = $"custom-format archive {header.ArchiveVersion.ToString(3)}, {header.Compression.ToString().ToLowerInvariant()}, {probe.SizeBytes.ToString("#,0", Grouped)} bytes, pg_dump {header.PgDumpVersion}, database {header.DatabaseName}";
        return (ManifestFileCheck.Compare(summary, probe.SizeBytes, sha256, manifest, manifestProblem), true);
    }

    private static CheckResult RowCountCheck(List<TableVerdict> tables, Dictionary<string, long>? expected, string? source, VerificationExpectations expectations)
    {
        var problems = new List<string>();
        var byName = tables.ToDictionary(t => t.QualifiedName, StringComparer.Ordinal);
        if (expected is not null)
        {
            foreach (var (name, rows) in expected)
            {
                if (!byName.TryGetValue(name, out var table))
                {
                    problems.Add($"{name}: expected {rows.ToString("#,0", Grouped)} rows, but the table is missing after restore");
                }
                else if (table.Rows != rows)
                {
                    problems.Add($"{name}: expected {rows.ToString("#,0", Grouped)} rows, found {table.Rows.ToString("#,0", Grouped)}");
                }
            }

            if (source == "manifest")
            {
                // The dump's own counts skip tables whose INSERT data cannot be counted exactly; the manifest lists every table.
                problems.AddRange(tables.Where(t => !expected.ContainsKey(t.QualifiedName)).Select(t => $"{t.QualifiedName}: {t.Rows} rows, but the manifest does not list the table"));
            }

            var what = source == "dump" ? "the exact counts of the dump's own data (no manifest)" : "the manifest's exact counts";
            if (source == "dump")
            {
                // The dump can only prove itself consistent; the configured minimums still say what a healthy database holds.
                problems.AddRange(MinimumProblems(byName, expectations));
            }

            return problems.Count > 0
                ? new CheckResult("row-counts", false, string.Join("; ", problems))
                : new CheckResult("row-counts", true, $"{tables.Count(t => expected.ContainsKey(t.QualifiedName))} tables match {what} ({tables.Sum(t => t.Rows).ToString("#,0", Grouped)} rows)");
        }

        problems.AddRange(MinimumProblems(byName, expectations));
        return problems.Count > 0
            ? new CheckResult("row-counts", false, string.Join("; ", problems))
            : new CheckResult("row-counts", true, $"no manifest with exact counts; minimums met ({string.Join(", ", expectations.MinimumRows.Select(m => $"{m.Key} ≥ {m.Value}: {byName[m.Key].Rows}"))})");
    }

    private static IEnumerable<string> MinimumProblems(Dictionary<string, TableVerdict> byName, VerificationExpectations expectations)
    {
        foreach (var (name, minimum) in expectations.MinimumRows)
        {
            if (!byName.TryGetValue(name, out var table))
            {
                yield return $"{name}: at least {minimum} rows expected, but the table is missing";
            }
            else if (table.Rows < minimum)
            {
                yield return $"{name}: at least {minimum} rows expected, found {table.Rows}";
            }
        }
    }

    private static async Task<CheckResult> SequenceCheckAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var owned = new List<(string Sequence, string Table, string Column, string Label)>();
        await foreach (var row in QueryAsync(connection, OwnedSequencesSql, cancellationToken))
        {
            owned.Add((row.GetString(0), row.GetString(1), row.GetString(2), row.GetString(3)));
        }

        var behind = new List<string>();
        foreach (var (sequence, table, column, label) in owned)
        {
            // The identifiers come from format('%I.%I') on the server, so they are quoted exactly once.
            await foreach (var row in QueryAsync(connection, $"SELECT s.last_value, s.is_called, (SELECT max({column})::numeric FROM {table}) FROM {sequence} s", cancellationToken))
            {
                var lastValue = row.GetInt64(0);
                var isCalled = row.GetBoolean(1);
                if (row.IsDBNull(2))
                {
                    continue;
                }

                var max = row.GetDecimal(2);
                var highestHandedOut = isCalled ? lastValue : lastValue - 1;
                if (highestHandedOut < max)
                {
                    behind.Add($"{label}: sequence {sequence} is at {lastValue}{(isCalled ? string.Empty : " (not called)")} but the column reaches {max}");
                }
            }
        }

        return behind.Count > 0
            ? new CheckResult("sequences", false, $"sequence behind its table (the next insert would collide): {string.Join("; ", behind)}")
            : new CheckResult("sequences", true, $"{owned.Count} column-owned sequences are at or past their columns' maximum");
    }

    private static CheckResult ExtensionVersionCheck(BackupManifest? manifest, Dictionary<string, string> installed)
    {
        if (manifest is null)
        {
            return new CheckResult("extension-versions", true, "no manifest to compare extension versions with");
        }

        var problems = new List<string>();
        foreach (var extension in manifest.Extensions)
        {
            if (!installed.TryGetValue(extension.Name, out var version))
            {
                problems.Add($"{extension.Name} {extension.Version} is in the manifest but not installed after restore");
            }
            else if (!string.Equals(version, extension.Version, StringComparison.Ordinal))
            {
                problems.Add($"{extension.Name}: production has {extension.Version}, the restore has {version}");
            }
        }

        return problems.Count > 0
            ? new CheckResult("extension-versions", false, string.Join("; ", problems))
            : new CheckResult("extension-versions", true, $"{manifest.Extensions.Count} extension versions match the manifest");
    }

    private static async Task<CheckResult> SmokeCheckAsync(NpgsqlConnection connection, SmokeQuery smoke, CancellationToken cancellationToken)
    {
        var name = $"smoke:{smoke.Name}";
        try
        {
            await using var command = new NpgsqlCommand(smoke.Sql, connection) { CommandTimeout = 300 };
            var value = await command.ExecuteScalarAsync(cancellationToken);
            return value is true
                ? new CheckResult(name, true, "returned true")
                : new CheckResult(name, false, $"returned {(value is null or DBNull ? "null" : value)} instead of true: {smoke.Sql}");
        }
        catch (PostgresException ex)
        {
            return new CheckResult(name, false, $"failed: {ex.MessageText} ({smoke.Sql})");
        }
    }

    private async Task<CheckResult> RowDropCheckAsync(string ledgerDirectory, Run run, List<TableVerdict> tables, CancellationToken cancellationToken)
    {
        var fileName = Path.GetFileName(run.Path);
        var previous = VerificationLedger.NewestHealthy(await VerificationLedger.ReadAsync(ledgerDirectory, cancellationToken), run.Database);
        if (previous is null)
        {
            return new CheckResult("row-drop", true, $"no earlier healthy verification of database {run.Database ?? "(unknown)"} to compare with");
        }

        var share = _options.Expectations.MaxRowDropShare;
        var drops = new List<string>();
        var now = tables.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal);
        foreach (var (name, before) in previous.Tables)
        {
            var after = now.GetValueOrDefault(name);
            if (before > 0 && (before - after) > share * before)
            {
                drops.Add($"{name}: {before.ToString("#,0", Grouped)} → {after.ToString("#,0", Grouped)} rows since the last verified backup ({previous.File})");
            }
        }

        return drops.Count > 0
            ? new CheckResult("row-drop", false, string.Join("; ", drops))
            : new CheckResult("row-drop", true, $"no table lost more than {share:P0} of its rows since {(previous.File == fileName ? "the last verification of this file" : previous.File)}");
    }

    private async Task<IReadOnlyList<string>> UnavailableExtensionsAsync(IReadOnlyList<string> wanted, CancellationToken cancellationToken)
    {
        if (wanted.Count == 0)
        {
            return [];
        }

        await using var connection = new NpgsqlConnection(Server.ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        var available = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in QueryAsync(connection, "SELECT name FROM pg_available_extensions", cancellationToken))
        {
            available.Add(row.GetString(0));
        }

        return wanted.Where(e => !available.Contains(e)).ToList();
    }

    private CheckResult UnavailableCheck(IReadOnlyList<string> unavailable) =>
        new("extensions", false,
            $"the dump needs extension{(unavailable.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unavailable)}, not available on the target " +
            $"(PostgreSQL {Server.ServerVersion}, {Server.Image ?? Server.EngineName}); restore onto an image that ships {(unavailable.Count > 1 ? "them" : "it")}");

    private static async Task<string?> PlpgsqlRunsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = new NpgsqlCommand("DO $$ BEGIN PERFORM 1; END $$", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }
        catch (PostgresException ex)
        {
            return ex.MessageText;
        }
    }

    private async Task ExecuteAsync(string database, string formatSql, string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString(database));
        await connection.OpenAsync(cancellationToken);
        await using var format = new NpgsqlCommand(formatSql, connection);
        format.Parameters.AddWithValue("name", name);
        var statement = (string)(await format.ExecuteScalarAsync(cancellationToken))!;
        await using var command = new NpgsqlCommand(statement, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task DropDatabaseAsync(string database)
    {
        // Runs after cancellation too, so it has its own short deadline instead of the caller's token.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await ExecuteAsync("postgres", "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', @name)", database, deadline.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
        {
            // The server is thrown away afterwards; a database left on it costs nothing.
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async IAsyncEnumerable<NpgsqlDataReader> QueryAsync(
        NpgsqlConnection connection,
        string sql,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return reader;
        }
    }

    private static IReadOnlyList<string> TocExtensions(string toc) =>
        TocExtensionLine().Matches(toc).Select(m => m.Groups["name"].Value).Distinct(StringComparer.Ordinal).ToList();

    private static string FirstError(string stderr, int exitCode)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.FirstOrDefault(l => l.Contains("error:", StringComparison.OrdinalIgnoreCase)) ?? lines.FirstOrDefault();
        return line is null
            ? $"pg_restore exited with code {exitCode} and printed nothing"
            : line.StartsWith("pg_restore: ", StringComparison.Ordinal) ? line["pg_restore: ".Length..] : line;
    }

    /// <summary>The newest archive version a major's pg_restore reads (pg_backup_archiver.h K_VERS_MAX), or null when unknown.</summary>
    private static Version? NewestArchiveVersion(int major) => major switch
    {
        >= 17 => new Version(1, 16, 0),
        16 => new Version(1, 15, 0),
        >= 12 => new Version(1, 14, 0),
        >= 9 => new Version(1, 13, 0),
        _ => null,
    };

    private static LedgerEntry ToLedgerEntry(DumpVerdict verdict) => new()
    {
        File = Path.GetFileName(verdict.File),
        Sha256 = verdict.Sha256,
        VerifiedAt = DateTimeOffset.UtcNow,
        Database = verdict.Database,
        Engine = verdict.Engine,
        Image = verdict.Image,
        Healthy = verdict.Healthy,
        Tables = verdict.Tables.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal),
    };

    private const string PhysicalTablesSql = $"""
        SELECT n.nspname, c.relname, format('%I.%I', n.nspname, c.relname)
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE {PhysicalTables.Condition}
        ORDER BY n.nspname, c.relname
        """;

    private const string OwnedSequencesSql = """
        SELECT format('%I.%I', sn.nspname, s.relname), format('%I.%I', tn.nspname, t.relname), format('%I', a.attname),
               tn.nspname || '.' || t.relname || '.' || a.attname
        FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_sequence q ON q.seqrelid = s.oid AND q.seqincrement > 0
        JOIN pg_namespace sn ON sn.oid = s.relnamespace
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_namespace tn ON tn.oid = t.relnamespace
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
        ORDER BY 1
        """;

    [GeneratedRegex(@"^\d+; \d+ \d+ EXTENSION \S+ (?<name>\S+)", RegexOptions.Multiline)]
    private static partial Regex TocExtensionLine();

    /// <summary>What one dump's verification has found so far.</summary>
    private sealed class Run(string path, IProgress<VerificationProgress>? progress, PhaseTimings timings)
    {
        private static readonly string[] Order =
            ["file", "toc", "restore", "extensions", "tables", "row-counts", "sequences", "extension-versions", "restore-time"];

        public string Path { get; } = path;

        public PhaseTimings Timings { get; } = timings;

        public List<CheckResult> Checks { get; } = [];

        public IReadOnlyList<string> Extensions { get; set; } = [];

        public IReadOnlyList<TableVerdict> Tables { get; set; } = [];

        public string? Sha256 { get; set; }

        public string? Database { get; set; }

        public string? KeptDatabase { get; set; }

        public string? ExpectedRowsSource { get; set; }

        public void Report(string stage) => progress?.Report(new VerificationProgress(Path, stage));

        /// <summary>Reports every check not yet done as not run, so a verdict always lists the same checks.</summary>
        public void SkipRest(string reason)
        {
            foreach (var name in Order.Where(n => Checks.All(c => c.Name != n)))
            {
                Checks.Add(CheckResult.NotRun(name, reason));
            }
        }
    }
}
