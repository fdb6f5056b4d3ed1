using System.CommandLine;
using PortfolioBackup.Alerts;
using PortfolioBackup.Configuration;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Cli.Commands;

/// <summary>
/// <c>portfolio-backup ping verify start|success|fail</c>: the pings and the notification of a job that is not one of our
/// commands (test_restore.sh runs the xunit suite), sent the same way our commands send theirs.
/// </summary>
internal static class PingCommand
{
    public static Command Create(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "Whose ping URL: verify (VERIFY_PING_URL) or backup (BACKUP_PING_URL)." };
        job.AcceptOnlyFromAmong("verify", "backup");
        var outcome = new Argument<string>("outcome") { Description = "start, success or fail." };
        outcome.AcceptOnlyFromAmong("start", "success", "fail");
        var log = new Option<string?>("--log") { Description = "The job's output: its last lines are the ping's body (secrets masked).", HelpName = "FILE" };
        var report = new Option<string?>("--report") { Description = "A verification report (JSON): the notification names the first dump not healthy and its first failed check.", HelpName = "FILE" };
        var rid = new Option<string?>("--rid")
        {
            Description = $"The run id (a UUID or a plain token) that pairs this ping with the job's other one; default ${JobAlerts.RunIdVariable}, else a new one per call.",
            HelpName = "ID",
        };
        var command = new Command(
            "ping",
            "Send a job's dead-man ping (<url>/start, <url>, <url>/fail, the healthchecks.io protocol) and, on fail (or always, NOTIFY_ON=always), " +
            "the NOTIFY_URL notification. Bounded to a few seconds; a ping that fails is a warning and the exit code stays 0.")
        {
            job, outcome, log, report, rid,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var runId = parseResult.GetValue(rid) ?? (context.Environment.GetValueOrDefault(JobAlerts.RunIdVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
            if (runId is not null && !JobAlerts.IsRunId(runId))
            {
                // The start and the end must carry the same id; one that cannot be sent as is would pair nothing.
                throw new ConfigurationException([$"--rid (or {JobAlerts.RunIdVariable}) must be a UUID or up to 64 letters, digits, '.', '_', '-'"]);
            }

            var alertJob = parseResult.GetValue(job) == "backup" ? AlertJob.Backup : AlertJob.Verify;
            var problems = new List<string>();
            var settings = AlertSettings.Read(context.Environment, problems);
            if (AlertSettings.ProblemsFor(alertJob, problems, context.Environment) is { Count: > 0 } own)
            {
                throw new ConfigurationException(own);
            }

            var alerts = JobAlerts.For(settings, alertJob, runId);
            IReadOnlyList<string> warnings;
            if (parseResult.GetValue(outcome) == "start")
            {
                warnings = await alerts.StartAsync(cancellationToken);
            }
            else
            {
                var tail = LastLines(parseResult.GetValue(log));
                var facts = JobFacts.None;
                if (parseResult.GetValue(report) is { } reportPath && File.Exists(reportPath))
                {
                    try
                    {
                        var document = await VerificationReportDocument.ReadAsync(reportPath, cancellationToken);
                        facts = parseResult.GetValue(outcome) == "success" ? VerificationFacts.Of(document) : VerificationFacts.OfFailedRun(document, tail.Text(settings.Secrets));
                    }
                    catch (Exception ex) when (ex is ConfigurationException or IOException or UnauthorizedAccessException)
                    {
                        // A suite that died mid-write leaves a broken report: that night needs its ping more than any.
                        var unreadable = $"the verification report {reportPath} could not be read ({ex.Message})";
                        tail.AppendLine("error: " + unreadable);
                        facts = new JobFacts { Detail = unreadable };
                    }
                }

                warnings = await alerts.FinishAsync(parseResult.GetValue(outcome) == "success", facts, tail);
            }

            foreach (var warning in warnings)
            {
                await context.Error.WriteLineAsync($"warning: {warning}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    // The end of the log, bounded: a log of gigabytes costs what its last 64 KiB cost.
    private static OutputTail LastLines(string? path)
    {
        if (path is null)
        {
            return new OutputTail();
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var start = Math.Max(0, stream.Length - (64 << 10));
            stream.Seek(start, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();

            // A read that starts mid-file starts mid-line, maybe mid-secret: that first fragment is never sent.
            text = start > 0 && text.IndexOf('\n', StringComparison.Ordinal) is var newline and >= 0 ? text[(newline + 1)..] : text;
            return OutputTail.Of(text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return OutputTail.Of($"(the job's log {path} could not be read: {ex.Message})");
        }
    }
}
