using System.Diagnostics;
using System.Globalization;
using PortfolioBackup.Archive;
using PortfolioBackup.Backup;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Restore;

/// <summary>
/// Puts a dump back into a real database: checks the dump first, shows what will be replaced and asks, takes a safety
/// backup, runs <c>pg_restore --clean --if-exists --no-owner --no-privileges</c> (into a database it created: without
/// <c>--clean</c>, see <see cref="FreshDatabase"/>), then compares row counts with the manifest.
/// </summary>
public static class Restorer
{
    // query_to_xml runs each count server-side with the name quoted by format('%I.%I'): no SQL is built in C#.


    /// <summary>Runs the whole restore; the target is not touched unless the dump passed its checks (or Force) and the plan was confirmed.</summary>
    public static async Task<RestoreResult> RunAsync(RestoreOptions options, CancellationToken cancellationToken = default)
    {
        Validate(options);
        var stopwatch = Stopwatch.StartNew();
        var dumpPath = Path.GetFullPath(options.DumpPath);
        var probe = await DumpProbe.ProbeAsync(dumpPath, cancellationToken);
        if (probe.Kind == DumpFileKind.Missing)
        {
            throw new ConfigurationException([$"the dump {dumpPath} does not exist"]);
        }

        if (probe.Kind == DumpFileKind.NotARegularFile || Directory.Exists(dumpPath))
        {
            // Not even --force or --verify none hands a pipe, a device or a folder to pg_restore: it would block on it, read
            // forever, or restore something that is not a custom-format dump.
            throw new DumpRejectedException(dumpPath, [CheckResult.Fail("file", probe.Detail)], forceAllowed: false);
        }

        // An encrypted dump is decrypted once; the checks, the table of contents and pg_restore all read that private copy.
        await using var decrypted = probe.Kind == DumpFileKind.Encrypted ? await RestorePreflight.DecryptAsync(dumpPath, options, cancellationToken) : null;
        if (decrypted is not null)
        {
            options = options with { SafetyBackupRecipients = await RestorePreflight.SafetyBackupRecipientsAsync(dumpPath, options, cancellationToken) };
        }

        var archivePath = decrypted?.Path ?? dumpPath;
        probe = decrypted is null ? probe : await DumpProbe.ProbeAsync(archivePath, cancellationToken);
        await using var client = TargetClient.For(options.Target, streamDumps: options.Jobs <= 1);

        // Every check of the dump runs before anything changes; the target is only read (version, tables), and only once
        // the dump passed the checks that need no server.
        TargetState? inspected = null;
        async Task<TargetState> InspectOnceAsync(CancellationToken token)
        {
            if (inspected is null)
            {
                options.Progress?.Invoke($"inspecting {options.Target.Describe()}");
                inspected = await InspectTargetAsync(client, token);
            }

            return inspected;
        }

        var (manifest, checks) = await RestorePreflight.CheckDumpAsync(dumpPath, client, InspectOnceAsync, options, decrypted, cancellationToken);
        if (checks.Any(c => !c.Passed) && !options.Force)
        {
            throw new DumpRejectedException(dumpPath, checks);
        }

        var target = await InspectOnceAsync(cancellationToken);

        var mappedDump = await client.MapDumpAsync(archivePath, cancellationToken);

        // The table of contents read natively, once: the target's own pg_restore already proved it reads it (the target check).
        var toc = probe.IsCustomArchive ? TocSummary.Of(await ArchiveReader.ReadTocAsync(archivePath, cancellationToken)) : TocSummary.None;
        var plan = new RestorePlan
        {
            DumpPath = dumpPath,
            Target = options.Target,
            ServerVersion = target.ServerVersion,
            DatabaseExists = target.Exists,
            TocEntries = toc.Entries,
            DumpTables = toc.Tables,
            ExistingTables = target.Tables,
            TablesReplaced = manifest?.Tables is { } tables ? tables.Count(t => target.Tables.Contains($"{t.Schema}.{t.Name}", StringComparer.Ordinal)) : null,
            ManifestTables = manifest?.Tables?.Count,
            Checks = checks,
            SafetyBackup = options.SafetyBackup && target.Exists,
            SafetyBackupRecipients = options.SafetyBackupRecipients,
        };

        if (!target.Exists && toc.IsDataOnly)
        {
            // Nothing is created for a restore that cannot work: a data-only dump needs the tables it fills.
            throw new RestoreTargetUnavailableException(
                $"{Path.GetFileName(dumpPath)} is a data-only dump (pg_dump --data-only): it holds rows but no tables, so it restores only into a database that " +
                $"already has them, and {options.Target.Describe()} does not exist. Restore a full backup first, or name a database that has the schema. Nothing was created.");
        }

        if (!target.Exists && !options.CreateMissingDatabase)
        {
            throw new RestoreTargetUnavailableException($"the database {options.Target.Describe()} does not exist. Create it, or let the restore create it.");
        }

        if (options.ConfirmAsync is null || !await options.ConfirmAsync(plan, cancellationToken))
        {
            throw new RestoreDeclinedException(options.Target.Describe());
        }

        var created = false;
        if (!target.Exists)
        {
            options.Progress?.Invoke($"creating database {options.Target.Connection.Database}");
            await CreateDatabaseAsync(client, cancellationToken);
            created = true;
        }

        string? safetyBackup = null;
        if (plan.SafetyBackup)
        {
            options.Progress?.Invoke("taking a safety backup of the target");
            safetyBackup = await TakeSafetyBackupAsync(client, options, cancellationToken);
        }

        options.Progress?.Invoke("restoring");
        await RunPgRestoreAsync(client, options, mappedDump, toc, safetyBackup, created, cancellationToken);

        IReadOnlyList<TableRowComparison>? rowCounts = null;
        if (manifest?.Tables is { } expected)
        {
            options.Progress?.Invoke("counting rows");
            rowCounts = await CompareRowCountsAsync(client, expected, cancellationToken);
        }

        return new RestoreResult
        {
            Plan = plan,
            SafetyBackupPath = safetyBackup,
            CreatedDatabase = created,
            RowCounts = rowCounts,
            Duration = stopwatch.Elapsed,
        };
    }

    /// <summary>The command line that restores a safety backup into the same target.</summary>
    public static string RollbackCommand(string safetyBackupPath, RestoreTarget target)
    {
        var parts = new List<string> { "portfolio-backup", "restore", safetyBackupPath };
        if (target.Container is { } container)
        {
            parts.AddRange(["--container", container]);
        }
        else
        {
            parts.AddRange(["--host", target.Connection.Host, "--port", target.Connection.Port.ToString(CultureInfo.InvariantCulture)]);
        }

        // No second safety backup: it could collide with this one's name within the same second, and the file being restored is itself the safe copy.
        parts.AddRange(["--username", target.Connection.User, "--target-db", target.Connection.Database, "--no-safety-backup", "--yes"]);
        return string.Join(' ', parts.Select(ShellQuote));
    }

    private static void Validate(RestoreOptions options)
    {
        var problems = new List<string>();
        if (options.Jobs < 1)
        {
            problems.Add($"--jobs {options.Jobs} is not a number of parallel jobs (expected 1 or more)");
        }

        if (options.SingleTransaction && options.Jobs > 1)
        {
            problems.Add($"--single-transaction cannot be combined with --jobs {options.Jobs}: pg_restore's parallel jobs each use their own connection, " +
                         "so they cannot share one transaction. Use --jobs 1 for an all-or-nothing restore, or drop --single-transaction for a parallel one");
        }

        var database = options.Target.Connection.Database;
        if (database.Length == 0 || database.Contains('=', StringComparison.Ordinal) || database.StartsWith('-')
            || database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            // libpq would read such a name as a connection string and could connect somewhere else entirely.
            problems.Add($"the target database name '{database}' looks like a connection string or an option (expected a plain database name)");
        }

        if (options.SafetyBackup && string.IsNullOrWhiteSpace(options.BackupDirectory))
        {
            problems.Add("a safety backup needs BACKUP_DIR (or --backup-dir); pass --no-safety-backup to restore without one");
        }

        if (problems.Count > 0)
        {
            throw new ConfigurationException(problems);
        }
    }

    private static async Task<TargetState> InspectTargetAsync(TargetClient client, CancellationToken cancellationToken)
    {
        var database = client.Connection.Database;
        var result = await client.RunAsync("psql", ["--no-psqlrc", "--no-align", "--tuples-only", "--dbname", database, "--command", "SELECT current_setting('server_version')"], null, cancellationToken);
        if (result.Succeeded)
        {
            var rows = await client.QueryAsync(database, PhysicalTables.ListSql, cancellationToken);
            return new TargetState(result.StandardOutput.Trim(), true, rows.Select(r => $"{r[0]}.{r[1]}").ToList(), database);
        }

        if (!result.StandardError.Contains($"database \"{database}\" does not exist", StringComparison.Ordinal))
        {
            throw Unavailable(client, result);
        }

        foreach (var maintenance in new[] { "postgres", "template1" })
        {
            var version = await client.RunAsync("psql", ["--no-psqlrc", "--no-align", "--tuples-only", "--dbname", maintenance, "--command", "SELECT current_setting('server_version')"], null, cancellationToken);
            if (version.Succeeded)
            {
                return new TargetState(version.StandardOutput.Trim(), false, [], maintenance);
            }
        }

        throw Unavailable(client, result);
    }

    private static RestoreTargetUnavailableException Unavailable(TargetClient client, ToolResult result) =>
        new($"cannot connect to {client.Target.Describe()}: {ToolRunner.Tail(ToolRunner.Mask(result.StandardError, client.Connection.Password is null ? [] : [client.Connection.Password]))}{Environment.NewLine}" +
            "Nothing was changed. Check DB_HOST, DB_PORT, DB_USER and DB_PASSWORD (or --container / --compose-service) and that the server runs.");

    private static async Task CreateDatabaseAsync(TargetClient client, CancellationToken cancellationToken)
    {
        // createdb quotes the name itself and connects to the maintenance database.
        IReadOnlyList<string> arguments = ["--", client.Connection.Database];
        var result = await client.RunAsync("createdb", arguments, null, cancellationToken);
        if (!result.Succeeded)
        {
            throw new RestoreFailedException(
                $"could not create the database {client.Target.Describe()}: {ToolRunner.Tail(result.StandardError)}{Environment.NewLine}Nothing was restored. Create the database yourself and run the restore again.",
                null, client.Failure("createdb", arguments, result));
        }
    }

    private static async Task<string> TakeSafetyBackupAsync(TargetClient client, RestoreOptions options, CancellationToken cancellationToken)
    {
        // The same writer as every backup (snapshot, exact counts, atomic, encrypted when asked), inside the target's
        // container when it is one.
        var backup = await BackupRunner.RunAsync(
            new BackupOptions
            {
                Settings = new BackupSettings
                {
                    BackupDirectory = options.BackupDirectory!,
                    Connection = options.Target.Connection,
                    AgeRecipients = options.SafetyBackupRecipients,
                    Container = client is ContainerTargetClient ? new Containers.ContainerSelector { Name = options.Target.Container } : null,
                },
                Clock = options.Clock,
                FileNamePrefix = BackupFileName.PreRestorePrefix,
            },
            cancellationToken);
        return backup.DumpPath;
    }

    private static async Task RunPgRestoreAsync(TargetClient client, RestoreOptions options, string mappedDump, TocSummary toc, string? safetyBackup, bool created, CancellationToken cancellationToken)
    {
        // A database the restore created is fresh: --clean there fails on what does not exist yet (see FreshDatabase).
        if (created && toc.CreatesPublicSchema)
        {
            await client.QueryAsync(client.Connection.Database, FreshDatabase.DropPublicSchema, cancellationToken);
        }

        var arguments = created
            ? new List<string>([.. FreshDatabase.RestoreOptions, "--verbose", "--dbname", client.Connection.Database])
            : ["--clean", "--if-exists", .. FreshDatabase.RestoreOptions, "--verbose", "--dbname", client.Connection.Database];
        if (options.SingleTransaction)
        {
            arguments.Add("--single-transaction");
        }

        if (options.Jobs > 1)
        {
            arguments.AddRange(["--jobs", options.Jobs.ToString(CultureInfo.InvariantCulture)]);
        }

        arguments.Add(mappedDump);
        var done = 0;
        void OnLine(string line)
        {
            if (options.RestoreProgress is null || !IsEntryDone(line))
            {
                return;
            }

            var count = Math.Min(Interlocked.Increment(ref done), Math.Max(toc.Entries, 1));
            options.RestoreProgress(new RestoreProgress(count, toc.Entries, line["pg_restore: ".Length..]));
        }

        ToolResult result;
        try
        {
            result = await client.RunAsync("pg_restore", arguments, OnLine, cancellationToken);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped halfway, the target is as partly restored as after a failure: say so, with the way back.
            var stopped = safetyBackup is null ? null : RollbackCommand(safetyBackup, options.Target);
            throw new RestoreInterruptedException(
                $"interrupted while pg_restore was restoring into {options.Target.Describe()}. " + PartialState(options, safetyBackup, created, stopped), stopped, ex);
        }

        if (result.Succeeded)
        {
            options.RestoreProgress?.Invoke(new RestoreProgress(toc.Entries, toc.Entries, "done"));
            return;
        }

        var target = options.Target.Describe();
        var errors = string.Join(Environment.NewLine, result.StandardError.Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l.Contains("error:", StringComparison.Ordinal) || l.StartsWith("DETAIL", StringComparison.Ordinal) || l.StartsWith("Command was", StringComparison.Ordinal) || l.Contains("errors ignored", StringComparison.Ordinal))
            .TakeLast(12));
        if (errors.Length == 0)
        {
            errors = ToolRunner.Tail(result.StandardError);
        }

        var rollback = safetyBackup is null ? null : RollbackCommand(safetyBackup, options.Target);
        var state = PartialState(options, safetyBackup, created, rollback);
        throw new RestoreFailedException(
            $"pg_restore failed with exit code {result.ExitCode} while restoring into {target}:{Environment.NewLine}{errors}{Environment.NewLine}{state}",
            rollback,
            client.Failure("pg_restore", arguments, result));
    }

    private static string PartialState(RestoreOptions options, string? safetyBackup, bool created, string? rollback)
    {
        var target = options.Target.Describe();
        if (options.SingleTransaction)
        {
            return created
                ? $"The restore ran in a single transaction and was rolled back; {target} was created for it and is empty."
                : $"The restore ran in a single transaction and was rolled back: {target} is exactly as it was before." +
                  (safetyBackup is null ? string.Empty : $" The safety backup taken first is {safetyBackup}.");
        }

        if (rollback is not null)
        {
            return $"{target} may now be partly restored. To roll back to its state before this restore, run:{Environment.NewLine}  {rollback}";
        }

        return created
            ? $"{target} was created for this restore and may be partly restored; drop it or restore again."
            : $"{target} may now be partly restored, and no safety backup was taken (--no-safety-backup): restore your latest good backup to recover.";
    }

    private static bool IsEntryDone(string line) =>
        line.StartsWith("pg_restore: creating ", StringComparison.Ordinal)
        || line.StartsWith("pg_restore: processing data for table ", StringComparison.Ordinal)
        || line.StartsWith("pg_restore: executing ", StringComparison.Ordinal);

    private static async Task<IReadOnlyList<TableRowComparison>> CompareRowCountsAsync(TargetClient client, IReadOnlyList<Backup.TableRowCount> expected, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(client.Connection.Database, PhysicalTables.CountSql, cancellationToken);
        var actual = rows.ToDictionary(r => (r[0], r[1]), r => long.Parse(r[2], CultureInfo.InvariantCulture));
        return expected
            .Select(t => new TableRowComparison(t.Schema, t.Name, t.Rows, actual.TryGetValue((t.Schema, t.Name), out var n) ? n : null))
            .ToList();
    }

    private static string ShellQuote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@+,".Contains(c, StringComparison.Ordinal))
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";


    private sealed record TocSummary(int Entries, int Tables, bool CreatesPublicSchema, bool IsDataOnly)
    {
        public static readonly TocSummary None = new(0, 0, false, false);

        public static TocSummary Of(ArchiveToc toc) =>
            new(toc.RestoredEntries.Count(), toc.TableCount, FreshDatabase.CreatesPublicSchema(toc.Entries), toc.IsDataOnly);
    }
}
