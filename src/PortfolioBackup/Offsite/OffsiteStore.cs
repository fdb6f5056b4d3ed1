using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Offsite;

/// <summary>
/// The backups in one bucket and prefix of an S3-compatible service: list, upload (checked after), download (checked),
/// delete, and the verdicts stored beside them. Every SDK or network failure comes out as an <see cref="OffsiteException"/>.
/// </summary>
public sealed partial class OffsiteStore : IDisposable
{
    private const int HeadsAtOnce = 16;

    // 1000 keys a page: a million objects under one prefix is far past any retention of backups and their verdicts.
    private const int MaxListingPages = 1000;

    private readonly AmazonS3Client _client;

    private OffsiteStore(OffsiteSettings settings, OffsiteStoreOptions options, AmazonS3Client client)
    {
        Settings = settings;
        Options = options;
        _client = client;
    }

    /// <summary>Where this store reads and writes.</summary>
    public OffsiteSettings Settings { get; }

    /// <summary>The transfer options in force.</summary>
    public OffsiteStoreOptions Options { get; }

    /// <summary>A store for the settings; nothing is sent until the first call.</summary>
    public static OffsiteStore Open(OffsiteSettings settings, OffsiteStoreOptions? options = null)
    {
        options ??= new OffsiteStoreOptions();
        if (options.PartSizeBytes < OffsiteStoreOptions.MinimumPartSizeBytes || options.MultipartThresholdBytes < 1)
        {
            throw new ArgumentException($"parts must be at least {OffsiteStoreOptions.MinimumPartSizeBytes} bytes (S3's minimum) and the threshold positive", nameof(options));
        }

        var config = new AmazonS3Config
        {
            // SDK 4 otherwise adds CRC trailers in aws-chunked bodies, which several S3-compatibles reject or store as data.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            ConnectTimeout = options.ConnectTimeout,
            Timeout = options.RequestTimeout,
            MaxErrorRetry = options.MaxRetries,
            RetryMode = RequestRetryMode.Standard,
        };
        if (settings.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.GetLeftPart(UriPartial.Authority);
            config.AuthenticationRegion = settings.Region;

            // Virtual-host addressing needs wildcard DNS per bucket, which loopback servers and many S3-compatibles lack.
            config.ForcePathStyle = true;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(settings.Region);
        }

        var client = settings.AccessKeyId is { } id && settings.SecretAccessKey is { } secret
            ? new AmazonS3Client(new BasicAWSCredentials(id, secret), config)
            : new AmazonS3Client(config);
        return new OffsiteStore(settings, options, client);
    }

    /// <summary>
    /// The objects directly under the prefix whose names match the backup pattern, newest first, each with its size, the
    /// SHA-256 recorded at upload and its manifest object read back (<see cref="RemoteBackup.ToEntry"/> judges them).
    /// </summary>
    public async Task<IReadOnlyList<RemoteBackup>> ListBackupsAsync(CancellationToken cancellationToken = default)
    {
        var objects = await ListDirectAsync(Settings.ListPrefix, cancellationToken);
        var manifests = objects.Where(o => o.Name.EndsWith(BackupFileName.ManifestSuffix, StringComparison.Ordinal)).ToDictionary(o => o.Name, o => o.Size, StringComparer.Ordinal);
        var candidates = objects.Where(o => BackupFileName.IsAnyBackup(o.Name)).ToList();
        var backups = new RemoteBackup[candidates.Count];

        // One HEAD per backup for its recorded SHA-256 and one GET of its manifest; a long retention is hundreds of round
        // trips, so not one at a time.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = HeadsAtOnce, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, candidates.Count), parallel, async (i, token) =>
        {
            var (name, key, size) = candidates[i];
            BackupFileName.TryParseAny(name, out var takenAt);
            var head = await StatAsync(name, token);
            var manifestName = name + BackupFileName.ManifestSuffix;
            var (manifest, problem) = manifests.TryGetValue(manifestName, out var manifestSize)
                ? await ReadManifestAsync(manifestName, manifestSize, token)
                : (null, null);
            backups[i] = new RemoteBackup(name, key, head?.SizeBytes ?? size, takenAt, manifests.ContainsKey(manifestName), head?.Sha256)
            {
                Manifest = manifest,
                ManifestProblem = problem,
            };
        });

        return backups.OrderByDescending(b => b.TakenAt).ThenBy(b => b.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Deletes a backup and its manifest (manifest first, so a half-done delete never leaves a "complete" pair), then the
    /// verdicts on it; refuses a name outside the backup pattern.
    /// </summary>
    public async Task DeleteBackupAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!BackupFileName.IsAnyBackup(name))
        {
            throw new OffsiteException(OffsiteFailure.Refused, $"refusing to delete '{name}' from {Settings.Location}: not a backup's name (backup_/pre-restore_YYYYMMDD_HHMMSS.dump[.age])");
        }

        foreach (var key in new[] { Settings.KeyFor(name + BackupFileName.ManifestSuffix), Settings.KeyFor(name) })
        {
            await CallAsync($"deleting {key} from", () => _client.DeleteObjectAsync(Settings.Bucket, key, cancellationToken), cancellationToken);
        }

        try
        {
            await DeleteVerdictsOfAsync(name, cancellationToken);
        }
        catch (OffsiteException)
        {
            // The backup is gone, which is what retention promised; a verdict left over costs one read, never a wrong answer.
        }
    }

    /// <summary>Closes the client's connections.</summary>
    public void Dispose() => _client.Dispose();

    /// <summary>The size and recorded SHA-256 of an object directly under the prefix, or null when there is none.</summary>
    internal async Task<RemoteObject?> StatAsync(string name, CancellationToken cancellationToken)
    {
        var key = Settings.KeyFor(name);
        using var deadline = MetadataDeadline(cancellationToken);
        try
        {
            var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Settings.Bucket, Key = key }, deadline.Token);
            return new RemoteObject(key, head.ContentLength, Sha256Of(head.Metadata), Unquote(head.ETag));
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound && ex.ErrorCode is null or "NotFound" or "NoSuchKey")
        {
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Translate(ex, $"reading {key} in");
        }
    }

    /// <summary>
    /// The objects directly under a listing prefix (no deeper keys), with their names relative to it; <paramref name="startingWith"/>
    /// (a longer key prefix inside it) narrows what the service sends.
    /// </summary>
    internal async Task<IReadOnlyList<(string Name, string Key, long Size)>> ListDirectAsync(string listPrefix, CancellationToken cancellationToken, string? startingWith = null)
    {
        var found = new List<(string, string, long)>();
        var request = new ListObjectsV2Request { BucketName = Settings.Bucket, Prefix = startingWith ?? listPrefix, Delimiter = "/" };
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            using var deadline = MetadataDeadline(cancellationToken);
            var page = await CallAsync("listing", () => _client.ListObjectsV2Async(request, deadline.Token), cancellationToken);
            if (!string.Equals(page.Name, Settings.Bucket, StringComparison.Ordinal))
            {
                // Every S3 listing names its bucket; a web server's page parses as XML too (XHTML) and would read as "empty".
                throw OffsiteErrors.NotS3(Settings, "listing");
            }

            foreach (var item in page.S3Objects ?? [])
            {
                // A key the service lists outside what was asked for is not ours to name, let alone to delete.
                if (item.Key is not { } key || !key.StartsWith(request.Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var name = key[listPrefix.Length..];
                if (name.Length > 0 && !name.Contains('/', StringComparison.Ordinal))
                {
                    found.Add((name, key, item.Size ?? 0));
                }
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                return found;
            }

            // A listing that hands back a token it gave before, or goes on past any real retention, never ends.
            if (!tokens.Add(page.NextContinuationToken) || tokens.Count > MaxListingPages)
            {
                throw new OffsiteException(
                    OffsiteFailure.Service,
                    $"the listing of {Settings.Location} at {Settings.EndpointText} does not end ({(tokens.Count > MaxListingPages ? $"more than {MaxListingPages} pages" : "the same continuation token twice")}): is {OffsiteSettingsReader.EndpointVariable} a working S3 service?");
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    // The caller's token still decides what is a cancellation: the deadline firing alone is a service that did not answer.
    private CancellationTokenSource MetadataDeadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Options.MetadataTimeout);
        return deadline;
    }

    /// <summary>Runs one SDK call, turning its failures into <see cref="OffsiteException"/>s; the caller's cancellation stays a cancellation.</summary>
    internal async Task<T> CallAsync<T>(string action, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (OffsiteException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw Translate(ex, action);
        }
    }

    private OffsiteException Translate(Exception ex, string action) =>
        ex is OperationCanceledException
            ? new OffsiteException(OffsiteFailure.Unreachable, $"the S3 endpoint {Settings.EndpointText} did not answer in time while {action} {Settings.Location} (check {OffsiteSettingsReader.EndpointVariable} and the network)", ex)
            : OffsiteErrors.Translate(ex, Settings, action);

    private static string? Sha256Of(MetadataCollection metadata)
    {
        var value = metadata["x-amz-meta-sha256"];
        return string.IsNullOrEmpty(value) ? null : value.Trim().ToLowerInvariant();
    }

    private static string? Unquote(string? etag) => etag?.Trim('"');
}

/// <summary>What a HEAD of one object says.</summary>
internal sealed record RemoteObject(string Key, long SizeBytes, string? Sha256, string? ETag);
