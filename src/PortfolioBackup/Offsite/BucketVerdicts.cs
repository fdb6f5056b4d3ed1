using PortfolioBackup.Verification;

namespace PortfolioBackup.Offsite;

/// <summary>Verdicts written to the bucket by verifications elsewhere (the nightly CI job), for the droplet's status, list and retention.</summary>
public static class BucketVerdicts
{
    /// <summary>
    /// The bucket's verdicts when a bucket is configured (BACKUP_S3_BUCKET), else none. An unreachable or silent bucket is a
    /// warning after at most <see cref="OffsiteStoreOptions.LookupBudget"/>, not a failure: the local ledger still counts,
    /// and a status that cannot read the bucket says so.
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
            var (entries, warnings) = await ReadBoundedAsync(settings, (store, token) => store.ListVerdictsAsync(token), cancellationToken);
            return (entries, warnings);
        }
        catch (OffsiteException ex)
        {
            return ([], [$"verdicts in {settings.Describe()} not read: {ex.Message}"]);
        }
    }

    /// <summary>
    /// Runs a read against the bucket with the <see cref="OffsiteStoreOptions.Lookup"/> timeouts and an overall
    /// <see cref="OffsiteStoreOptions.LookupBudget"/>; running out of it is an <see cref="OffsiteFailure.Unreachable"/> failure.
    /// </summary>
    public static async Task<T> ReadBoundedAsync<T>(OffsiteSettings settings, Func<OffsiteStore, CancellationToken, Task<T>> read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(read);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(OffsiteStoreOptions.LookupBudget);
        using var store = OffsiteStore.Open(settings, OffsiteStoreOptions.Lookup);
        try
        {
            return await read(store, budget.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The budget ran out, not the user's patience: a bucket that holds a monitor for minutes is a bucket that is down.
            throw new OffsiteException(
                OffsiteFailure.Unreachable,
                $"the S3 endpoint {settings.EndpointText} did not answer within {OffsiteStoreOptions.LookupBudget.TotalSeconds:0} s while reading {settings.Location} (check {OffsiteSettingsReader.EndpointVariable} and the network)",
                ex);
        }
    }
}
