namespace PortfolioBackup.Offsite;

/// <summary>How the store talks to the service: transfer sizes, timeouts and retries.</summary>
public sealed record OffsiteStoreOptions
{
    /// <summary>
    /// For reads a person or a monitor waits on (status, list): small objects only, so a bucket that does not answer within
    /// seconds is reported as unreadable instead of holding the command for the minutes a part upload may need.
    /// </summary>
    public static OffsiteStoreOptions Lookup { get; } = new() { RequestTimeout = TimeSpan.FromSeconds(5), MetadataTimeout = TimeSpan.FromSeconds(10), MaxRetries = 1 };

    /// <summary>The longest <see cref="BucketVerdicts"/> and the bucket listing of <c>list --remote</c> wait in all, retries included.</summary>
    public static TimeSpan LookupBudget { get; } = TimeSpan.FromSeconds(15);

    /// <summary>S3's smallest part (all but the last); services reject smaller ones.</summary>
    public const long MinimumPartSizeBytes = 5L << 20;

    /// <summary>Files of at least this size are sent in parts; smaller ones in one PUT.</summary>
    public long MultipartThresholdBytes { get; init; } = 64L << 20;

    /// <summary>The size of each part but the last; at least <see cref="MinimumPartSizeBytes"/>.</summary>
    public long PartSizeBytes { get; init; } = 16L << 20;

    /// <summary>How long to wait for a TCP connection; a dead endpoint fails after about this times the attempts.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one request (one part, one PUT) may take, so a stalled connection fails instead of hanging.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a small request (a listing page, a HEAD) may take in all, retries included: only part uploads and downloads
    /// need <see cref="RequestTimeout"/>, and a silent endpoint must not hold a cron job for attempts times that.
    /// </summary>
    public TimeSpan MetadataTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries per request after the first attempt; few, so an outage is reported in seconds.</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>
    /// Compare the ETag the service reports with the MD5 of what was sent (a content check the service makes, not the
    /// SDK); switch off only for a bucket whose ETags are not MD5s (AWS with SSE-KMS or SSE-C encryption).
    /// </summary>
    public bool VerifyETag { get; init; } = true;

    /// <summary>The largest verification object read back; larger ones are skipped with a warning.</summary>
    public int MaxVerdictBytes { get; init; } = 1 << 20;

    /// <summary>
    /// How often one object's download is tried when the connection fails midway (a reset, a cut): the SDK retries a request
    /// that fails, not a body that stops; a copy that arrives damaged is never tried again.
    /// </summary>
    public int DownloadAttempts { get; init; } = 3;

    /// <summary>Called after each uploaded part with the bytes of the file sent so far (progress, and a hook for tests).</summary>
    public Action<long>? PartUploaded { get; init; }
}
