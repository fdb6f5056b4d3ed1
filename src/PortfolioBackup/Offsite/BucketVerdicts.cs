using PortfolioBackup.Verification;

namespace PortfolioBackup.Offsite;

/// <summary>Verdicts written to the bucket by verifications elsewhere (the nightly CI job), for the droplet's status, list and retention.</summary>
public static class BucketVerdicts
{
    /// <summary>
    /// The bucket's verdicts when a bucket is configured (BACKUP_S3_BUCKET), else none. An unreachable bucket is a warning,
    /// not a failure: the local ledger still counts, and a status that cannot read the bucket says so.
    /// </summary>
    public static async Task<(IReadOnlyList<LedgerEntry> Entries, IReadOnlyList<string> Warnings)> LoadAsync(
        IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken = default)
    {
        if (OffsiteSettingsReader.Read(environment) is not { } settings)
        {
            return ([], []);
        }

        try
        {
            using var store = OffsiteStore.Open(settings);
            var (entries, warnings) = await store.ListVerdictsAsync(cancellationToken);
            return (entries, warnings);
        }
        catch (OffsiteException ex)
        {
            return ([], [$"verdicts in {settings.Describe()} not read: {ex.Message}"]);
        }
    }
}
