using PortfolioBackup.Encryption;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Backup;

/// <summary>pg_dump's result and, for an encrypted backup, what the manifest records about the encryption.</summary>
internal sealed record DumpOutcome(ToolResult Dump, BackupEncryption? Encryption);

/// <summary>An encrypted backup's dump: pg_dump writes to stdout, we hash the plaintext on its way into <c>age -r … -o</c>.</summary>
internal static class EncryptedBackup
{
    /// <summary>
    /// Runs pg_dump into age; a failure of either is an exception naming the one that failed first (the other was stopped
    /// because of it). A failed pg_dump comes back as its result, so the caller words it as for a plain backup.
    /// </summary>
    public static async Task<DumpOutcome> DumpAsync(ToolInvocation pgDump, IReadOnlyList<string> recipients, string outputFile, CancellationToken cancellationToken)
    {
        var agePath = AgeTool.Locate();
        var outcome = await AgePipe.EncryptAsync(pgDump, agePath, recipients, outputFile, cancellationToken);
        if (outcome.FirstFailure == "age" || (outcome.FirstFailure is null && outcome.Age is not { Succeeded: true }))
        {
            throw AgeFailed(outcome);
        }

        if (outcome.Producer is not { } dump)
        {
            throw outcome.ProducerError ?? new BackupFailedException("pg_dump did not finish and gave no reason; no backup file was kept.");
        }

        if (dump.Succeeded && !outcome.Head.AsSpan().StartsWith(Catalog.BackupRule.CustomFormatMagic))
        {
            throw new BackupFailedException("pg_dump exited successfully but its output is not a custom-format archive (no PGDMP header); nothing was kept. Check the PostgreSQL client installation.");
        }

        var encryption = new BackupEncryption
        {
            Recipients = recipients,
            PlaintextSha256 = outcome.PlaintextSha256,
            PlaintextSizeBytes = outcome.PlaintextSizeBytes,
        };
        return new DumpOutcome(dump, encryption);
    }

    private static BackupFailedException AgeFailed(AgePipeOutcome outcome)
    {
        if (outcome.AgeError is PortfolioBackupException known)
        {
            return new BackupFailedException($"{known.Message} No backup file was kept.", innerException: known);
        }

        var stderr = outcome.Age is { } age ? ToolRunner.Tail(age.StandardError) : outcome.AgeError?.Message ?? string.Empty;
        var code = outcome.Age is { } result ? $"exit code {result.ExitCode}" : "no exit code";
        var detail = stderr.Length == 0 ? "it printed no error" : stderr;
        return new BackupFailedException(
            $"age failed ({code}) while encrypting the backup: {detail}{Environment.NewLine}No backup file was kept. " +
            "Check BACKUP_AGE_RECIPIENTS (age1… public keys) and that the backup folder is writable, then run the backup again.",
            stderr,
            outcome.AgeError);
    }
}
