using PortfolioBackup.Backup;
using PortfolioBackup.Encryption;
using PortfolioBackup.Verification;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Restore;

/// <summary>What a restore target is before anything changes: its version, whether the database exists, its tables.</summary>
internal sealed record TargetState(string ServerVersion, bool Exists, IReadOnlyList<string> Tables, string MaintenanceDatabase);

/// <summary>The restore's checks of the dump, run before the target is touched.</summary>
internal static class RestorePreflight
{
    /// <summary>
    /// The dump's checks before the target is touched: the restore pre-flight tier (the quick tier, then whether this target
    /// can take the dump: its pg_restore, its extensions), and with <c>--verify full</c> a restore into a throwaway server.
    /// </summary>
    public static async Task<(BackupManifest? Manifest, IReadOnlyList<CheckResult> Checks)> CheckDumpAsync(
        string dumpPath, TargetClient client, Func<CancellationToken, Task<TargetState>> inspect, RestoreOptions options, DecryptedCopy? decrypted, CancellationToken cancellationToken)
    {
        var contextOptions = new CheckContextOptions
        {
            Decrypted = decrypted,
            Expectations = options.FullVerification.Expectations,
            TargetFactory = async token =>
            {
                var target = await inspect(token);
                return new ClientCheckTarget(client, target.ServerVersion, target.Exists ? client.Connection.Database : target.MaintenanceDatabase);
            },
        };
        await using var context = await CheckContext.CreateAsync(dumpPath, contextOptions, cancellationToken);
        if (options.Verify == RestoreVerifyMode.None)
        {
            return (context.Manifest, []);
        }

        options.Progress?.Invoke("checking the dump");
        var checks = new List<CheckResult>(await CheckPipeline.RunAsync(VerificationTiers.RestorePreflight, context, Timeout.InfiniteTimeSpan, cancellationToken));
        if (options.Verify == RestoreVerifyMode.Full && checks.All(c => c.Passed))
        {
            options.Progress?.Invoke("verifying the dump fully in a throwaway server");
            var report = await DumpVerifier.VerifyAsync([dumpPath], options.FullVerification with { Identity = options.FullVerification.Identity ?? options.Identity }, progress: null, cancellationToken);
            checks.AddRange(report.Dumps.SelectMany(d => d.Checks).Select(c => c with { Name = $"full: {c.Name}" }));
        }

        return (context.Manifest, checks);
    }

    /// <summary>
    /// Whom the safety backup of an encrypted dump's restore is encrypted for: BACKUP_AGE_RECIPIENTS when set, else the
    /// recipients the dump's own manifest names, so restoring an encrypted backup never leaves a plaintext copy of the
    /// target behind. Without either a safety backup is refused before anything changes (<c>--no-safety-backup</c> skips it).
    /// </summary>
    public static async Task<IReadOnlyList<string>> SafetyBackupRecipientsAsync(string dumpPath, RestoreOptions options, CancellationToken cancellationToken)
    {
        if (options.SafetyBackupRecipients.Count > 0 || !options.SafetyBackup)
        {
            return options.SafetyBackupRecipients;
        }

        var manifest = await BackupManifest.ReadForDumpAsync(dumpPath, cancellationToken);
        if (manifest?.Encryption?.Recipients is { Count: > 0 } named)
        {
            // Validated as BACKUP_AGE_RECIPIENTS is: a manifest is a file anyone with the folder can edit.
            var problems = new List<string>();
            var recipients = AgeRecipients.Parse(string.Join('\n', named), $"the manifest of {Path.GetFileName(dumpPath)} (encryption.recipients)", allowComments: false, problems);
            return problems.Count == 0 ? recipients : throw new Configuration.ConfigurationException([.. problems, "set BACKUP_AGE_RECIPIENTS for the safety backup, or pass --no-safety-backup; nothing was changed"]);
        }

        throw new Configuration.ConfigurationException([
                $"{Path.GetFileName(dumpPath)} is encrypted, but no recipients are known for the safety backup of the target (no BACKUP_AGE_RECIPIENTS, and no manifest names them): " +
                "set BACKUP_AGE_RECIPIENTS so the safety backup is encrypted too, or pass --no-safety-backup; nothing was changed"]);
    }

    /// <summary>
    /// For an encrypted dump, decrypts it once into a private file that the checks and pg_restore share; throws
    /// <see cref="DumpRejectedException"/> (no --force) when there is no identity or age cannot decrypt it.
    /// </summary>
    public static async Task<DecryptedCopy?> DecryptAsync(string dumpPath, RestoreOptions options, CancellationToken cancellationToken)
    {
        var manifest = await BackupManifest.ReadForDumpAsync(dumpPath, cancellationToken);
        var recipients = manifest?.Encryption?.Recipients;
        if (options.Identity is not { } identity)
        {
            throw new DumpRejectedException(dumpPath, [CheckResult.Fail("file", AgeTool.MissingIdentity(recipients))], forceAllowed: false);
        }

        options.Progress?.Invoke("decrypting the dump into a private folder");
        var (copy, problem) = await DecryptedCopy.CreateAsync(dumpPath, identity, recipients, manifest?.Encryption?.PlaintextSizeBytes, cancellationToken);
        return copy ?? throw new DumpRejectedException(dumpPath, [CheckResult.Fail("file", problem!)], forceAllowed: false);
    }
}
