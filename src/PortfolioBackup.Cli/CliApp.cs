using System.CommandLine;
using PortfolioBackup.Cli.Commands;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Cli;

/// <summary>The <c>portfolio-backup</c> command tree and the single place where failures become exit codes.</summary>
internal static class CliApp
{
    /// <summary>Parses and runs one command line; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        var root = new RootCommand("portfolio-backup: PostgreSQL backups of the portfolio database that are proven to restore.");
        foreach (var command in Commands(context))
        {
            root.Add(command);
        }

        var parseResult = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false };
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await context.Error.WriteLineAsync($"error: {error.Message}");
            }

            await context.Error.WriteLineAsync("Run 'portfolio-backup --help' (or '<command> --help') for usage.");
            return ExitCodes.Usage;
        }

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
    }
}
