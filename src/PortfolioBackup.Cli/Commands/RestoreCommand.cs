using System.CommandLine;
using System.Globalization;
using PortfolioBackup.Configuration;
using PortfolioBackup.Restore;
using PortfolioBackup.Verification;
using Spectre.Console;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup restore</c>: puts a dump back into a real database, safely.</summary>
internal static class RestoreCommand
{
    public static Command Create(CliContext context)
    {
        var dump = new Argument<string>("DUMP") { Description = "The custom-format dump to restore (e.g. $BACKUP_DIR/backup_20250101_030000.dump)." };
        var targetDb = new Option<string?>("--target-db") { Description = "The database to replace (default: DB_NAME, then PGDATABASE, then portfolio)." };
        var host = new Option<string?>("--host") { Description = "Server host (default: DB_HOST, then PGHOST, then localhost)." };
        var port = new Option<int?>("--port") { Description = "Server port (default: DB_PORT, then PGPORT, then 5432)." };
        var username = new Option<string?>("--username") { Description = "Role to connect as (default: DB_USER, then PGUSER, then postgres)." };
        var container = new Option<string?>("--container") { Description = "Restore inside this running container, with its own pg_restore (like 'docker compose exec -T db pg_restore')." };
        var composeService = new Option<string?>("--compose-service") { Description = "Restore inside the running container of this compose service (found by its com.docker.compose.service label)." };
        var yes = new Option<bool>("--yes") { Description = "Confirm without asking (required when no terminal is attached)." };
        var force = new Option<bool>("--force") { Description = "Restore even when the dump fails its checks." };
        var verify = new Option<string>("--verify") { Description = "Checks before touching the target: quick (format, manifest size and SHA-256, table of contents), full (also a restore into a throwaway server, as verify does), or none.", DefaultValueFactory = _ => "quick" };
        verify.AcceptOnlyFromAmong("quick", "full", "none");
        var noSafetyBackup = new Option<bool>("--no-safety-backup") { Description = "Do not back up the target into BACKUP_DIR (as pre-restore_…dump) first." };
        var jobs = new Option<int>("--jobs") { Description = "Parallel pg_restore jobs.", DefaultValueFactory = _ => 1 };
        var singleTransaction = new Option<bool>("--single-transaction") { Description = "All or nothing: a failed restore leaves the target as it was (only with --jobs 1)." };
        var backupDir = new Option<string?>("--backup-dir") { Description = "Where the safety backup goes (default: BACKUP_DIR)." };
        var config = new Option<string?>("--config") { Description = "Expectations JSON the checks apply (required tables, minimum rows); default: $VERIFY_CONFIG or built-in, as verify." };

        var command = new Command("restore", "Restore a dump into a database, replacing the objects it contains (exit 0 done, 1 failed or refused, 2 usage).")
        {
            dump, targetDb, host, port, username, container, composeService, yes, force, verify, noSafetyBackup, jobs, singleTransaction, backupDir, config,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var confirmed = parse.GetValue(yes);
            var jobCount = parse.GetValue(jobs);
            var problems = new List<string>();
            if (parse.GetValue(container) is not null && parse.GetValue(composeService) is not null)
            {
                problems.Add("--container and --compose-service both name the target container; give one of them");
            }

            if (parse.GetValue(singleTransaction) && jobCount > 1)
            {
                problems.Add($"--single-transaction cannot be combined with --jobs {jobCount}: pg_restore's parallel jobs each use their own connection, " +
                             "so they cannot share one transaction. Use --jobs 1 for an all-or-nothing restore, or drop --single-transaction for a parallel one");
            }

            if (!confirmed && !context.IsTerminal)
            {
                problems.Add("restore drops and replaces objects in the target database and must be confirmed, but no terminal is attached to ask; " +
                             "pass --yes to confirm non-interactively");
            }

            if (problems.Count > 0)
            {
                throw new ConfigurationException(problems);
            }

            var safety = !parse.GetValue(noSafetyBackup);
            var connection = SettingsReader.ReadConnection(context.Environment, new SettingsOverrides
            {
                Host = parse.GetValue(host),
                Port = parse.GetValue(port),
                User = parse.GetValue(username),
                Database = parse.GetValue(targetDb),
            });
            var directory = safety
                ? SettingsReader.RequireBackupDirectory(context.Environment, parse.GetValue(backupDir))
                : parse.GetValue(backupDir) ?? context.Environment.GetValueOrDefault("BACKUP_DIR");

            // The container is found by the same rule as backup's (the compose project disambiguates a service).
            var target = new RestoreTarget { Connection = connection };
            if (SettingsReader.ReadContainer(context.Environment, parse.GetValue(container), parse.GetValue(composeService)) is { } selector)
            {
                target = target with { Container = await selector.ResolveAsync(cancellationToken), ComposeService = selector.ComposeService };
            }

            var options = new RestoreOptions
            {
                DumpPath = parse.GetValue(dump)!,
                Target = target,
                Verify = Enum.Parse<RestoreVerifyMode>(parse.GetValue(verify) ?? "quick", ignoreCase: true),
                FullVerification = new VerificationOptions
                {
                    Environment = context.Environment,
                    Jobs = jobCount,
                    // What a healthy dump holds is the same question before a restore as in verify: VERIFY_CONFIG or --config.
                    Expectations = await VerificationExpectations.LoadAsync(parse.GetValue(config), context.Environment, cancellationToken),
                },
                Identity = Encryption.AgeIdentity.FromEnvironment(context.Environment),
                SafetyBackupRecipients = ReadRecipients(context),
                Force = parse.GetValue(force),
                SafetyBackup = safety,
                BackupDirectory = string.IsNullOrWhiteSpace(directory) ? null : directory,
                Jobs = jobCount,
                SingleTransaction = parse.GetValue(singleTransaction),
                ConfirmAsync = (plan, _) => Task.FromResult(Confirm(context, plan, confirmed)),
                Progress = phase => context.Error.WriteLine($"{phase}..."),
                RestoreProgress = context.IsTerminal ? progress => ShowProgress(context, progress) : null,
            };

            var result = await Restorer.RunAsync(options, cancellationToken);
            if (context.IsTerminal)
            {
                context.Error.WriteLine();
            }

            Print(context, result);
            return result.RowCountsMatch ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static bool Confirm(CliContext context, RestorePlan plan, bool confirmed)
    {
        var output = context.Out;
        output.WriteLine($"Restore {plan.DumpPath}");
        foreach (var check in plan.Checks)
        {
            output.WriteLine($"  check {check.Name}: {VerdictText.Word(check)} ({check.Detail})");
        }

        if (!plan.DumpHealthy)
        {
            output.WriteLine("  the dump failed its checks; restoring anyway because of --force");
        }

        var target = plan.Target;
        output.WriteLine(target.Container is null
            ? $"  target: host {target.Connection.Host}, port {target.Connection.Port.ToString(CultureInfo.InvariantCulture)}, database {target.Connection.Database}, user {target.Connection.User}, server {plan.ServerVersion}"
            : $"  target: database {target.Connection.Database} in container {target.Container}{(target.ComposeService is null ? string.Empty : $" (compose service {target.ComposeService})")}, user {target.Connection.User}, server {plan.ServerVersion}");
        if (!plan.DatabaseExists)
        {
            output.WriteLine($"  the database {target.Connection.Database} does not exist: it will be created and the dump restored into it (restore into an empty database)");
        }
        else
        {
            var replaced = plan.TablesReplaced is { } n
                ? $"{n} of the {plan.ManifestTables} tables in the dump's manifest exist there and will be dropped and replaced"
                : $"the dump has {plan.DumpTables} tables";
            output.WriteLine($"  replaces: {plan.TocEntries} dump entries are dropped if present and recreated; {replaced}; the target holds {plan.ExistingTables.Count} tables now");
            output.WriteLine(!plan.SafetyBackup ? "  NO safety backup will be taken (--no-safety-backup)"
                : plan.SafetyBackupRecipients.Count > 0 ? $"  a safety backup (pre-restore_…dump.age, encrypted for {Encryption.AgeRecipients.Describe(plan.SafetyBackupRecipients)}) of the target is taken first"
                : "  a safety backup (pre-restore_…dump) of the target is taken first");
        }

        if (confirmed)
        {
            output.WriteLine("  confirmed by --yes");
            return true;
        }

        return context.Console.Confirm(plan.DatabaseExists ? $"Replace the contents of {target.Describe()}?" : $"Create {target.Describe()} and restore into it?", defaultValue: false);
    }

    private static void ShowProgress(CliContext context, RestoreProgress progress)
    {
        var current = progress.Current.Length > 60 ? progress.Current[..57] + "..." : progress.Current;
        context.Error.Write($"\r  restoring: {progress.Done}/{progress.Total} entries  {current,-60}");
    }

    private static void Print(CliContext context, RestoreResult result)
    {
        var output = context.Out;
        if (result.CreatedDatabase)
        {
            output.WriteLine($"created database {result.Plan.Target.Connection.Database}");
        }

        if (result.SafetyBackupPath is { } safety)
        {
            output.WriteLine($"safety backup: {safety} (with manifest); to undo this restore run:");
            output.WriteLine($"  {Restorer.RollbackCommand(safety, result.Plan.Target)}");
        }

        output.WriteLine($"restored {result.Plan.DumpPath} into {result.Plan.Target.Describe()} in {result.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s");
        if (result.RowCounts is not { } counts)
        {
            output.WriteLine("row counts: not compared (the dump has no manifest with row counts)");
            return;
        }

        var mismatches = counts.Where(c => !c.Matches).ToList();
        if (mismatches.Count == 0)
        {
            output.WriteLine($"row counts: all {counts.Count} tables match the manifest ({counts.Sum(c => c.Expected).ToString(CultureInfo.InvariantCulture)} rows)");
            return;
        }

        output.WriteLine($"row counts: {mismatches.Count} of {counts.Count} tables differ from the manifest:");
        foreach (var m in mismatches)
        {
            output.WriteLine($"  {m.QualifiedName}: expected {m.Expected.ToString(CultureInfo.InvariantCulture)}, found {(m.Actual is { } a ? a.ToString(CultureInfo.InvariantCulture) : "no such table")}");
        }
    }

    private static IReadOnlyList<string> ReadRecipients(CliContext context)
    {
        var problems = new List<string>();
        var recipients = Encryption.AgeRecipients.Read(context.Environment, problems);
        return problems.Count == 0 ? recipients : throw new ConfigurationException(problems);
    }
}
