namespace PortfolioBackup.Offsite;

/// <summary>Where offsite copies go: a bucket and prefix on AWS S3 or an S3-compatible endpoint, with optional explicit credentials.</summary>
public sealed record OffsiteSettings
{
    /// <summary>The region used when none is configured; S3-compatibles mostly accept any region in the signature.</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>The bucket name (BACKUP_S3_BUCKET).</summary>
    public required string Bucket { get; init; }

    /// <summary>The folder inside the bucket, "" or "a/b" without leading or trailing slash (BACKUP_S3_PREFIX).</summary>
    public string Prefix { get; init; } = "";

    /// <summary>The endpoint of an S3-compatible service, e.g. https://fra1.digitaloceanspaces.com; null means AWS (BACKUP_S3_ENDPOINT).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The signing region (BACKUP_S3_REGION).</summary>
    public string Region { get; init; } = DefaultRegion;

    /// <summary>The access key id (AWS_ACCESS_KEY_ID); null together with <see cref="SecretAccessKey"/> means the SDK's default chain.</summary>
    public string? AccessKeyId { get; init; }

    /// <summary>The secret key (AWS_SECRET_ACCESS_KEY); never printed, see <see cref="Describe"/>.</summary>
    public string? SecretAccessKey { get; init; }

    /// <summary>The key of an object directly under the prefix.</summary>
    internal string KeyFor(string name) => Prefix.Length == 0 ? name : $"{Prefix}/{name}";

    /// <summary>The listing prefix: "" or "a/b/" (with the slash, so "a/b2/" is not under "a/b").</summary>
    internal string ListPrefix => Prefix.Length == 0 ? "" : Prefix + "/";

    /// <summary>Where the copies go, for messages, e.g. "s3://bucket/prefix at http://127.0.0.1:4569"; never contains a secret.</summary>
    public string Describe() => $"{Location} at {EndpointText}";

    /// <summary>The bucket and prefix as an s3:// address.</summary>
    public string Location => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix}";

    /// <summary>The endpoint for messages: its address, or "AWS (region)".</summary>
    public string EndpointText => Endpoint is null ? $"AWS ({Region})" : Endpoint.GetLeftPart(UriPartial.Authority);

    /// <summary>Keeps the secret out of logs and exception messages that format the record.</summary>
    public override string ToString() => Describe();
}
