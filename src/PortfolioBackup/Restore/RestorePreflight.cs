using PortfolioBackup.Backup;
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
        string dumpPath, TargetClient client, Func<CancellationToken, Task<TargetState>> inspect, RestoreOptions options, CancellationToken cancellationToken)
    {
        var contextOptions = new CheckContextOptions
        {
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
            var report = await DumpVerifier.VerifyAsync([dumpPath], options.FullVerification, progress: null, cancellationToken);
            checks.AddRange(report.Dumps.SelectMany(d => d.Checks).Select(c => c with { Name = $"full: {c.Name}" }));
        }

        return (context.Manifest, checks);
    }
}
