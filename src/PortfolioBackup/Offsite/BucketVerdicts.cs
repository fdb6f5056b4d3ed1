using PortfolioBackup.Catalog;

namespace PortfolioBackup.Offsite;

/// <summary>What the droplet's read-only commands learnt from the configured bucket, within one lookup budget.</summary>
public sealed record BucketSnapshot
{
    /// <summary>No bucket is configured.</summary>
    public static BucketSnapshot None { get; } = new();

    /// <summary>The bucket's settings, or null when BACKUP_S3_BUCKET is unset.</summary>
    public OffsiteSettings? Settings { get; init; }

    /// <summary>The bucket's verdicts, or why they were not read.</summary>
    public BucketVerdictsRead Verdicts { get; init; } = BucketVerdictsRead.None;

    /// <summary>The bucket's backups when they were asked for and could be listed, else null.</summary>
    public IReadOnlyList<RemoteBackup>? Backups { get; init; }

    /// <summary>Why the backups asked for could not be listed, or null.</summary>
    public string? BackupsProblem { get; init; }

    /// <summary>Verdict objects skipped (not a verdict, too large) and a bucket that could not be read, one line each.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Verdicts written to the bucket by verifications elsewhere (the nightly CI job), for the droplet's status, list and retention.</summary>
public static class BucketVerdicts
{
    /// <summary>
    /// Reads the configured bucket (BACKUP_S3_BUCKET): its verdicts and, with <paramref name="withBackups"/>, its backups, at
    /// once and within one <see cref="OffsiteStoreOptions.LookupBudget"/> in all. A bucket that is down or silent is a warning
    /// and a reason in the snapshot, never a failure: the local ledger still counts.
    /// </summary>
    public static async Task<BucketSnapshot> ReadAsync(IReadOnlyDictionary<string, string?> environment, bool withBackups = false, CancellationToken cancellationToken = default)
    {
        if (OffsiteSettingsReader.Read(environment) is not { } settings)
        {
            return BucketSnapshot.None;
        }

        var location = settings.Describe();
        try
        {
            return await ReadBoundedAsync(settings, async (store, token) =>
            {
                // The two reads share the budget and the time: a silent endpoint costs one budget, not one per read.
                var verdicts = store.ListVerdictsAsync(token);
                var backups = withBackups ? store.ListBackupsAsync(token) : Task.FromResult<IReadOnlyList<RemoteBackup>>([]);
                await Task.WhenAll(Quietly(verdicts), Quietly(backups));
                var read = await verdicts;
                return new BucketSnapshot
                {
                    Settings = settings,
                    Verdicts = new BucketVerdictsRead { Location = location, Entries = read.Entries },
                    Backups = withBackups ? await backups : null,
                    Warnings = read.Warnings,
                };
            }, cancellationToken);
        }
        catch (OffsiteException ex)
        {
            return new BucketSnapshot
            {
                Settings = settings,
                Verdicts = new BucketVerdictsRead { Location = location, Unavailable = ex.Message },
                BackupsProblem = withBackups ? ex.Message : null,
                Warnings = [$"verdicts in {location} not read: {ex.Message}"],
            };
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

    // Waits for a read without throwing, so that both reads are finished before either one's failure is looked at.
    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Observed through the task itself by the caller.
        }
    }
}
