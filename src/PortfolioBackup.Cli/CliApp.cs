using System.CommandLine;
using PortfolioBackup.Alerts;
using PortfolioBackup.Cli.Commands;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Cli;

/// <summary>The <c>portfolio-backup</c> command tree and the single place where failures become exit codes.</summary>
internal static class CliApp
{
    /// <summary>Parses and runs one command line; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        // Alerts read first: with a ping or webhook configured, the commands write through a tail kept for its body.
        var alertProblems = new List<string>();
        var alerts = AlertSettings.Read(context.Environment, alertProblems);
        var tail = alerts.Any ? new OutputTail() : null;
        var run = tail is null ? context : new CliContext(context.Environment, new TailWriter(context.Out, tail), new TailWriter(context.Error, tail), context.IsTerminal);

        var root = new RootCommand("portfolio-backup: PostgreSQL backups of the portfolio database that are proven to restore.");
        foreach (var command in Commands(run))
        {
            root.Add(command);
        }

        var parseResult = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = run.Out, Error = run.Error, EnableDefaultExceptionHandler = false };
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await context.Error.WriteLineAsync($"error: {error.Message}");
            }

            await context.Error.WriteLineAsync("Run 'portfolio-backup --help' (or '<command> --help') for usage.");
            return ExitCodes.Usage;
        }

        if (JobOf(parseResult) is not { } job)
        {
            return await InvokeAsync(parseResult, invocation, run, cancellationToken);
        }

        if (AlertSettings.ProblemsFor(job, alertProblems, context.Environment) is { Count: > 0 } problems)
        {
            // A job whose alarm cannot sound must not run silently.
            await context.Error.WriteLineAsync(new ConfigurationException(problems).Message);
            return ExitCodes.Usage;
        }

        var jobAlerts = JobAlerts.For(alerts, job);
        if (tail is null || !jobAlerts.Active)
        {
            return await InvokeAsync(parseResult, invocation, run, cancellationToken);
        }

        int exitCode;
        try
        {
            foreach (var warning in await jobAlerts.StartAsync(cancellationToken))
            {
                await run.Error.WriteLineAsync($"warning: {warning}");
            }

            exitCode = await InvokeAsync(parseResult, invocation, run, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM while the start ping was on its way: the job never began, yet it is an interrupted job
            // like any other, and the fail ping below tells the monitor so.
            await run.Error.WriteLineAsync("interrupted: stopped before the job began; nothing was changed.");
            exitCode = ExitCodes.Interrupted;
        }

        foreach (var warning in await jobAlerts.FinishAsync(exitCode == ExitCodes.Ok, run.Facts.Current, tail))
        {
            await context.Error.WriteLineAsync($"warning: {warning}");
        }

        return exitCode;
    }

    // The commands that are jobs a monitor waits for; help and every other command send nothing.
    private static AlertJob? JobOf(ParseResult parseResult) =>
        parseResult.Action is System.CommandLine.Help.HelpAction ? null
        : parseResult.CommandResult.Command.Name switch
        {
            "backup" => AlertJob.Backup,
            "upload" => AlertJob.Upload,
            "verify" => AlertJob.Verify,
            "status" => AlertJob.Status,
            _ => null,
        };

    private static async Task<int> InvokeAsync(ParseResult parseResult, InvocationConfiguration invocation, CliContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await parseResult.InvokeAsync(invocation, cancellationToken);
        }
        catch (ConfigurationException ex)
        {
            await context.Error.WriteLineAsync(ex.Message);
            return ExitCodes.Usage;
        }
        catch (PortfolioBackupException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // A restore stopped halfway has changed its target: its own message says how, and how to roll back.
            await context.Error.WriteLineAsync(ex is Restore.RestoreInterruptedException interrupted
                ? interrupted.Message
                : "interrupted: stopped before finishing; no partial files were left behind.");
            return ExitCodes.Interrupted;
        }
    }

    private static IEnumerable<Command> Commands(CliContext context)
    {
        // One line per command; each command lives in Commands/ and owns its options.
        yield return BackupCommand.Create(context);
        yield return PruneCommand.Create(context);
        yield return UploadCommand.Create(context);
        yield return ListCommand.Create(context);
        yield return InspectCommand.Create(context);
        yield return VerifyCommand.Create(context);
        yield return RestoreCommand.Create(context);
        yield return StatusCommand.Create(context);
        yield return ReportSummaryCommand.Create(context);
        yield return VerdictKeyCommand.Create(context);
        yield return PingCommand.Create(context);
    }
}
