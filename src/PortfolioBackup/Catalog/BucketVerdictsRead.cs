namespace PortfolioBackup.Catalog;

/// <summary>
/// The verdicts of the configured bucket as one run read them (the nightly job writes them there): every one read, or why
/// they could not be read. Retention counts them like the folder's own ledger and records them in it, so that a bucket that
/// is down later still leaves the newest verified backup known.
/// </summary>
public sealed record BucketVerdictsRead
{
    /// <summary>No bucket is configured.</summary>
    public static BucketVerdictsRead None { get; } = new();

    /// <summary>The bucket and prefix, as shown to people; null when no bucket is configured.</summary>
    public string? Location { get; init; }

    /// <summary>Every verdict read, oldest first.</summary>
    public IReadOnlyList<LedgerEntry> Entries { get; init; } = [];

    /// <summary>Why the configured bucket's verdicts could not be read, or null (read, or no bucket).</summary>
    public string? Unavailable { get; init; }
}
