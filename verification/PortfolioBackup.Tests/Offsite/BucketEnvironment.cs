namespace PortfolioBackup.Tests.Offsite;

/// <summary>The environments of the two sides of the offsite loop: the droplet that backs up, and the nightly job that verifies.</summary>
internal static class BucketEnvironment
{
    /// <summary>Adds the bucket settings the droplet runs with (BACKUP_S3_* and the server's keys).</summary>
    public static Dictionary<string, string?> WithBucket(this Dictionary<string, string?> environment, S3ServerFixture s3, string prefix)
    {
        environment["BACKUP_S3_BUCKET"] = S3ServerFixture.Bucket;
        environment["BACKUP_S3_PREFIX"] = prefix;
        environment["BACKUP_S3_ENDPOINT"] = s3.Endpoint.ToString();
        environment["AWS_ACCESS_KEY_ID"] = S3ServerFixture.AccessKeyId;
        environment["AWS_SECRET_ACCESS_KEY"] = S3ServerFixture.SecretAccessKey;
        return environment;
    }

    /// <summary>The droplet without a database: its backup folder and the bucket (for list, status, prune, upload).</summary>
    public static Dictionary<string, string?> Droplet(S3ServerFixture s3, string prefix, string backupDirectory) =>
        new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
            ["BACKUP_DIR"] = backupDirectory,
        }.WithBucket(s3, prefix);

    /// <summary>The nightly job: no backup folder, no BACKUP_S3_BUCKET (it names the bucket with --from), the endpoint, keys and the age identity.</summary>
    public static Dictionary<string, string?> Nightly(S3ServerFixture s3, string prefix, string? identity)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
            ["AGE_IDENTITY"] = identity,
        }.WithBucket(s3, prefix);
        environment.Remove("BACKUP_S3_BUCKET");
        environment.Remove("BACKUP_S3_PREFIX");
        return environment;
    }
}
