using System.CommandLine;
using PortfolioBackup.Catalog;
using PortfolioBackup.Compose;
using PortfolioBackup.Configuration;
using PortfolioBackup.Engines;
using PortfolioBackup.Offsite;
using PortfolioBackup.Verification;
using PortfolioBackup.Verification.Loading;
using Spectre.Console;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup verify</c>: restores dumps into a throwaway server and proves them healthy.</summary>
internal static class VerifyCommand
{
    private const string BackupDirHelp =
        "Set the backup folder with --backup-dir DIR or the BACKUP_DIR environment variable, e.g.\n" +
        "  BACKUP_DIR=/var/backups/portfolio portfolio-backup verify --latest\n" +
        "or name dump files directly: portfolio-backup verify /var/backups/portfolio/backup_20250101_030000.dump";

    public static Command Create(CliContext context)
    {
        var files = new Argument<string[]>("FILE") { Description = "Dumps to verify; all backup_*.dump in the backup folder when none are given.", Arity = ArgumentArity.ZeroOrMore };
        var backupDir = new Option<string?>("--backup-dir") { Description = "The backup folder (default: $BACKUP_DIR); the verification ledger is kept there." };
        var latest = new Option<bool>("--latest") { Description = "Verify only the newest backup in the backup folder." };
        var engine = new Option<string>("--engine") { Description = "Where to restore: auto (container when Docker answers, else local), container or local.", DefaultValueFactory = _ => "auto" };
        engine.AcceptOnlyFromAmong("auto", "container", "local");
        var image = new Option<string?>("--image") { Description = "The production image, e.g. postgres:15 (beats the compose files)." };
        var composeFiles = new Option<string[]>("--compose-file") { Description = "A compose file naming the production image (repeatable; later files override).", AllowMultipleArgumentsPerToken = false };
        var service = new Option<string?>("--service") { Description = "The database service in the compose files (default: db, or the config's serviceName)." };
        var config = new Option<string?>("--config") { Description = "Expectations JSON (required tables, minimum rows, smoke queries, budget); default: $VERIFY_CONFIG or built-in." };
        var report = new Option<string?>("--report") { Description = "Also write the verdicts as JSON to this file." };
        var jobs = new Option<int?>("--jobs") { Description = "Parallel pg_restore jobs (default: the number of CPUs)." };
        var loader = new Option<string>("--loader") { Description = "How the dump is loaded: pg_restore (the production path) or parallel (rows over --jobs connections).", DefaultValueFactory = _ => "pg_restore" };
        loader.AcceptOnlyFromAmong("pg_restore", "parallel");
        var allowMismatch = new Option<bool>("--allow-version-mismatch") { Description = "Let the local engine run another PostgreSQL major than production." };
        var quick = new Option<bool>("--quick") { Description = "Quick tier: no server, no Docker; decompress every data block and compare row counts and SHA-256 with the manifest." };
        var from = new Option<string?>("--from") { Description = "Verify the backups in an S3-compatible bucket (s3://bucket/prefix; endpoint and credentials from BACKUP_S3_ENDPOINT, AWS_ACCESS_KEY_ID, …): downloaded into a private temp folder, removed afterwards; each verdict is written back to the bucket.", HelpName = "s3://bucket/prefix" };
        var alsoImage = new Option<string[]>("--also-image") { Description = "Also restore each dump into this image (repeatable; default: $VERIFY_ALSO_IMAGES), e.g. the next major: each is its own check, upgrade:IMAGE, that warns when it fails.", HelpName = "IMAGE" };
        var shard = new Option<string?>("--shard") { Description = "Verify only shard i of n (i/n): the dumps sorted by name whose position mod n is i-1; for CI matrices.", HelpName = "i/n" };

        var command = new Command("verify", "Restore dumps into a throwaway PostgreSQL and prove them healthy (exit 0 all healthy, 1 any not, 2 usage).")
        {
            files, backupDir, latest, engine, image, composeFiles, service, config, report, jobs, loader, allowMismatch, quick, shard, from, alsoImage,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            VerificationReportWriter.CheckTarget(parse.GetValue(report));

            // Keys are read before anything is downloaded or restored: a mangled key is the verifier's fault, said at once.
            using var keys = VerifierKeys.Read(context.Environment);
            var named = parse.GetValue(files) ?? [];
            if (parse.GetValue(from) is { } source)
            {
                return await VerifyBucketAsync(parse, source, named, keys, cancellationToken);
            }

            string? directory = named.Length == 0
                ? SettingsReader.RequireBackupDirectory(context.Environment, parse.GetValue(backupDir))
                : parse.GetValue(backupDir) ?? context.Environment.GetValueOrDefault("BACKUP_DIR");
            if (string.IsNullOrWhiteSpace(directory))
            {
                // Named files can be verified without a backup folder; only the ledger needs one.
                directory = null;
            }

            if (directory is not null && !Directory.Exists(directory))
            {
                throw new ConfigurationException([$"the backup folder {directory} does not exist"], BackupDirHelp);
            }

            var dumpShard = parse.GetValue(shard) is { } shardText ? DumpShard.Parse(shardText) : null;
            var notes = new List<string>();
            var dumps = named.Length > 0 ? [.. named] : await SelectDumpsAsync(directory!, parse.GetValue(latest), notes, cancellationToken);
            if (dumpShard is not null && dumps.Count > 0)
            {
                var all = dumps.Count;
                dumps = [.. dumpShard.Select(dumps)];
                notes.Add($"shard {dumpShard}: {dumps.Count} of {all} dump(s)");
                if (dumps.Count == 0)
                {
                    // More shards than dumps is normal in a fixed CI matrix: an empty shard has nothing to fail.
                    await context.Out.WriteLineAsync($"shard {dumpShard} has no dumps ({all} dump(s) in all); nothing to verify");
                    if (parse.GetValue(report) is { } emptyReportPath)
                    {
                        await VerificationReportWriter.WriteAsync(new VerificationReport([], notes), emptyReportPath, cancellationToken);
                    }

                    return ExitCodes.Ok;
                }
            }

            if (dumps.Count == 0)
            {
                foreach (var note in notes)
                {
                    await context.Error.WriteLineAsync($"note: {note}");
                }

                await context.Error.WriteLineAsync(notes.Count == 0
                    ? $"error: no backup_*.dump files in {directory}; take a backup first, or name dump files to verify."
                    : $"error: no backup in {directory} counts as one (see the notes); take a backup, or name the file to verify it.");
                return ExitCodes.Failed;
            }

            return await VerifyDumpsAsync(parse, dumps, directory, notes, keys, bucket: null, cancellationToken);
        });

        // The bucket's backups, downloaded into a private folder that stands in for the backup folder; the verdicts go back.
        async Task<int> VerifyBucketAsync(ParseResult parse, string source, string[] named, VerifierKeys keys, CancellationToken cancellationToken)
        {
            if (named.Length > 0 || parse.GetValue(backupDir) is not null)
            {
                throw new ConfigurationException(["--from verifies the bucket's backups: name no FILE and no --backup-dir with it"]);
            }

            var offsite = OffsiteSettingsReader.FromUri(source, context.Environment);
            var dumpShard = parse.GetValue(shard) is { } shardText ? DumpShard.Parse(shardText) : null;
            using var store = OffsiteStore.Open(offsite);
            using var downloaded = await RemoteDumps.DownloadAsync(store, parse.GetValue(latest), dumpShard, cancellationToken);
            var notes = new List<string> { $"verifying {downloaded.Paths.Count} backup(s) from {offsite.Describe()}" };
            notes.AddRange(downloaded.Notes);
            if (downloaded.Paths.Count == 0 && downloaded.Damaged.Count == 0 && downloaded.Unreached.Count == 0)
            {
                foreach (var note in downloaded.Notes)
                {
                    await context.Error.WriteLineAsync($"note: {note}");
                }

                await context.Error.WriteLineAsync($"error: no backup_*.dump or backup_*.dump.age in {offsite.Describe()}{(dumpShard is null ? "" : $" for shard {dumpShard}")}; is the upload running?");
                return ExitCodes.Failed;
            }

            // The nightly job verifies in a fresh folder: its history (row drop) is the verdicts it left in the bucket.
            var earlier = await store.ListVerdictsAsync(cancellationToken);
            notes.AddRange(earlier.Warnings);
            return await VerifyDumpsAsync(parse, [.. downloaded.Paths], downloaded.Directory, notes, keys, (store, downloaded, earlier.Entries), cancellationToken);
        }

        async Task<int> VerifyDumpsAsync(
            ParseResult parse, List<string> dumps, string? directory, List<string> notes, VerifierKeys keys,
            (OffsiteStore Store, DownloadedDumps Downloaded, IReadOnlyList<LedgerEntry> Earlier)? bucket, CancellationToken cancellationToken)
        {
            var jobCount = parse.GetValue(jobs) ?? Environment.ProcessorCount;
            if (jobCount < 1)
            {
                throw new ConfigurationException([$"--jobs {jobCount} is not a number of parallel jobs (expected 1 or more)"]);
            }

            var expectations = await VerificationExpectations.LoadAsync(parse.GetValue(config), context.Environment, cancellationToken);
            var (identity, trust, signer) = (keys.Identity, keys.Trust, keys.Signer);
            if (parse.GetValue(quick))
            {
                var quickOptions = new QuickVerificationOptions { Expectations = expectations, Identity = identity };
                var quickResult = await QuickVerifier.VerifyAsync(dumps, quickOptions, progress: null, cancellationToken);
                if (bucket is { } quickRemote)
                {
                    quickResult = quickResult with { Dumps = [.. quickResult.Dumps, .. quickRemote.Downloaded.Damaged, .. quickRemote.Downloaded.Unreached] };
                    notes.Add("quick verdicts are not written to the bucket: only a restore proves a backup");
                }

                return await FinishAsync(context, quickResult with { Notes = [.. quickResult.Notes, .. notes] }, parse.GetValue(report), cancellationToken);
            }

            var options = new VerificationOptions
            {
                Server = new RestoreServerOptions
                {
                    Engine = Enum.Parse<RestoreEngine>(parse.GetValue(engine) ?? "auto", ignoreCase: true),
                    Image = parse.GetValue(image) is { } given ? ImageReference.Validate(given, "--image") : null,
                    Compose = new ComposeOptions { Files = parse.GetValue(composeFiles) ?? [], ServiceName = parse.GetValue(service) ?? expectations.ServiceName },
                    AllowVersionMismatch = parse.GetValue(allowMismatch),
                    MountDirectories = dumps.Select(d => Path.GetDirectoryName(Path.GetFullPath(d))!).Distinct(StringComparer.Ordinal).ToList(),
                    RemoveFolderAfterExit = context.EndsWithCommand,
                },
                Expectations = expectations,
                Jobs = jobCount,
                Loader = parse.GetValue(loader) == "parallel" ? RestoreLoader.Parallel : RestoreLoader.PgRestore,
                LedgerDirectory = directory,
                EarlierVerdicts = bucket?.Earlier ?? [],
                AlsoImages = AlsoImages(parse.GetValue(alsoImage), context.Environment),
                Trust = trust,
                Signer = signer,
                Environment = context.Environment,
                Identity = identity,
            };
            if (directory is null)
            {
                notes.Add("no backup folder (--backup-dir or BACKUP_DIR): the verification ledger is neither read nor written");
            }

            var result = dumps.Count == 0 ? new VerificationReport([], []) : await RunAsync(context, dumps, options, cancellationToken);
            if (bucket is { } remote)
            {
                // A damaged copy is a verdict on the bucket's copy; a download that kept breaking off judged nothing and stays here.
                IReadOnlyList<DumpVerdict> judged = [.. result.Dumps, .. remote.Downloaded.Damaged];
                var (written, unwritten) = await RemoteDumps.PublishAsync(remote.Store, judged, signer, cancellationToken);
                result = result with { Dumps = [.. judged, .. remote.Downloaded.Unreached] };
                notes.AddRange(unwritten);
                notes.Add($"{written} verdict(s) written to the bucket under verifications/");
            }

            return await FinishAsync(context, result with { Notes = [.. result.Notes, .. notes] }, parse.GetValue(report), cancellationToken);
        }
        return command;
    }

    private static async Task<int> FinishAsync(CliContext context, VerificationReport result, string? reportPath, CancellationToken cancellationToken)
    {
        Print(context, result);
        context.Facts.Note(Alerts.VerificationFacts.Of(VerificationReportDocument.From(result)));
        if (reportPath is not null)
        {
            await VerificationReportWriter.WriteAsync(result, reportPath, cancellationToken);
        }

        return result.AllHealthy ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<List<string>> SelectDumpsAsync(string directory, bool latest, List<string> notes, CancellationToken cancellationToken)
    {
        var selection = await DumpSelector.SelectAsync(directory, latest, DateTimeOffset.UtcNow, cancellationToken);
        notes.AddRange(selection.Notes);
        return [.. selection.Paths];
    }

    private static async Task<VerificationReport> RunAsync(CliContext context, List<string> dumps, VerificationOptions options, CancellationToken cancellationToken)
    {
        if (!context.IsTerminal)
        {
            // A log gets one line per dump, not one per check: the verdict that follows names every check anyway.
            string? current = null;
            var progress = new InlineProgress(p =>
            {
                if (p.File != current)
                {
                    current = p.File;
                    context.Error.WriteLine($"{Path.GetFileName(p.File)}: verifying");
                }
            });
            return await DumpVerifier.VerifyAsync(dumps, options, progress, cancellationToken);
        }

        VerificationReport? result = null;
        await context.Console.Status().StartAsync("starting a throwaway PostgreSQL", async status =>
        {
            var progress = new InlineProgress(p => status.Status($"{Markup.Escape(Path.GetFileName(p.File))}: {p.Stage}"));
            result = await DumpVerifier.VerifyAsync(dumps, options, progress, cancellationToken);
        });
        return result!;
    }

    private static void Print(CliContext context, VerificationReport report)
    {
        if (context.IsTerminal)
        {
            foreach (var note in report.Notes)
            {
                context.Console.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
            }

            foreach (var dump in report.Dumps)
            {
                var table = new Table().Border(TableBorder.Rounded)
                    .Title($"{Markup.Escape(Path.GetFileName(dump.File))}: {(dump.Healthy ? "[green]healthy[/]" : "[red]NOT healthy[/]")} ({dump.DurationSeconds:0.##} s, {Markup.Escape(VerdictText.Where(dump))})")
                    .AddColumn("check").AddColumn("").AddColumn("detail");
                foreach (var check in dump.Checks)
                {
                    var color = check.Status switch { CheckStatus.Pass => "green", CheckStatus.Warn => "yellow", _ => "red" };
                    table.AddRow(new Text(check.Name), new Markup($"[{color}]{VerdictText.Word(check)}[/]"), new Text(check.Detail));
                }

                context.Console.Write(table);
                foreach (var warning in dump.Warnings)
                {
                    context.Console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
                }

                if (dump.Tables.Count > 0)
                {
                    var rows = new Table().Border(TableBorder.Simple).AddColumn("table").AddColumn(new TableColumn("rows").RightAligned()).AddColumn(new TableColumn("expected").RightAligned());
                    foreach (var t in dump.Tables)
                    {
                        rows.AddRow(new Text(t.QualifiedName), new Text(t.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture)), new Text(t.ExpectedRows?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"));
                    }

                    context.Console.Write(rows);
                }
            }

            context.Console.MarkupLine(report.AllHealthy ? $"[green]{VerdictText.Summary(report)}[/]" : $"[red]{VerdictText.Summary(report)}[/]");
            return;
        }

        foreach (var note in report.Notes)
        {
            context.Out.WriteLine($"note: {note}");
        }

        foreach (var line in report.Dumps.SelectMany(dump => VerdictText.Lines(dump, dump.File)))
        {
            context.Out.WriteLine(line);
        }

        context.Out.WriteLine(VerdictText.Summary(report));
    }

    /// <summary>Reports progress on the caller's thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<VerificationProgress> report) : IProgress<VerificationProgress>
    {
        public void Report(VerificationProgress value) => report(value);
    }

    // --also-image wins over VERIFY_ALSO_IMAGES (separated by spaces or commas); each is validated as --image is.
    private static IReadOnlyList<string> AlsoImages(string[]? given, IReadOnlyDictionary<string, string?> environment) =>
        (given is { Length: > 0 } ? given : (environment.GetValueOrDefault("VERIFY_ALSO_IMAGES") ?? string.Empty).Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(i => ImageReference.Validate(i, "--also-image")).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The verifier's keys, read once: the age identity, the trusted verdict keys, and the key that signs its verdicts.</summary>
    private sealed record VerifierKeys(Encryption.AgeIdentity? Identity, VerdictTrust Trust, VerdictSigner? Signer) : IDisposable
    {
        public static VerifierKeys Read(IReadOnlyDictionary<string, string?> environment) =>
            new(Encryption.AgeIdentity.FromEnvironment(environment), VerdictTrust.FromEnvironment(environment), VerdictSigner.FromEnvironment(environment));

        public void Dispose() => Signer?.Dispose();
    }
}
