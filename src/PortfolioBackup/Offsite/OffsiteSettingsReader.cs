using System.Text.RegularExpressions;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Offsite;

/// <summary>Reads <see cref="OffsiteSettings"/> from the environment (BACKUP_S3_*, AWS_*) or from an s3:// address.</summary>
public static partial class OffsiteSettingsReader
{
    /// <summary>The variable that switches offsite copies on.</summary>
    public const string BucketVariable = "BACKUP_S3_BUCKET";

    /// <summary>The variable naming an S3-compatible endpoint.</summary>
    public const string EndpointVariable = "BACKUP_S3_ENDPOINT";

    /// <summary>The variable naming the signing region.</summary>
    public const string RegionVariable = "BACKUP_S3_REGION";

    /// <summary>The variable naming the folder inside the bucket.</summary>
    public const string PrefixVariable = "BACKUP_S3_PREFIX";

    /// <summary>The access key id variable the AWS tools share.</summary>
    public const string AccessKeyVariable = "AWS_ACCESS_KEY_ID";

    /// <summary>The secret key variable the AWS tools share.</summary>
    public const string SecretKeyVariable = "AWS_SECRET_ACCESS_KEY";

    /// <summary>The settings, or null when BACKUP_S3_BUCKET is unset or empty; throws <see cref="ConfigurationException"/> listing every invalid value.</summary>
    public static OffsiteSettings? Read(IReadOnlyDictionary<string, string?> environment)
    {
        var bucket = Value(environment, BucketVariable);
        if (bucket is null)
        {
            return null;
        }

        var problems = new List<string>();
        var prefix = CheckPrefix(Value(environment, PrefixVariable) ?? "", PrefixVariable, problems);
        return Build(bucket, $"{BucketVariable}='{bucket}'", prefix, environment, problems);
    }

    /// <summary>The settings for an address like <c>s3://bucket/prefix</c>, endpoint, region and credentials taken from the environment.</summary>
    public static OffsiteSettings FromUri(string s3Uri, IReadOnlyDictionary<string, string?> environment)
    {
        var problems = new List<string>();
        const string Scheme = "s3://";
        if (!s3Uri.StartsWith(Scheme, StringComparison.Ordinal))
        {
            throw new ConfigurationException([$"'{s3Uri}' is not an s3:// address (expected s3://bucket or s3://bucket/prefix)"]);
        }

        var rest = s3Uri[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if ((slash < 0 ? rest : rest[..slash]).Contains('@', StringComparison.Ordinal))
        {
            // Never repeated back: it is most likely a key and a secret.
            throw new ConfigurationException(["the s3:// address holds credentials (user:secret@…), which are not shown and not used; give them in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and write s3://bucket/prefix"]);
        }

        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];

        // "s3://bucket/prefix/" is how people write a folder; one trailing slash is the same prefix.
        if (prefix.EndsWith('/'))
        {
            prefix = prefix[..^1];
        }

        prefix = CheckPrefix(prefix, $"the prefix of '{s3Uri}'", problems);
        return Build(bucket, $"the bucket of '{s3Uri}' ('{bucket}')", prefix, environment, problems);
    }

    private static OffsiteSettings Build(string bucket, string bucketLabel, string prefix, IReadOnlyDictionary<string, string?> environment, List<string> problems)
    {
        if (!BucketPattern().IsMatch(bucket) || bucket.Contains("..", StringComparison.Ordinal))
        {
            problems.Add($"{bucketLabel} is not a bucket name (expected 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit)");
        }

        var endpoint = CheckEndpoint(Value(environment, EndpointVariable), problems);
        var region = Value(environment, RegionVariable) ?? OffsiteSettings.DefaultRegion;
        if (!RegionPattern().IsMatch(region))
        {
            problems.Add($"{RegionVariable}='{region}' is not a region name (expected lower-case letters, digits and hyphens, e.g. us-east-1 or fra1)");
        }

        var accessKey = Value(environment, AccessKeyVariable);
        var secretKey = Value(environment, SecretKeyVariable);
        if ((accessKey is null) != (secretKey is null))
        {
            // Never echo either value: the one set may be the secret.
            problems.Add(accessKey is null
                ? $"{SecretKeyVariable} is set but {AccessKeyVariable} is not (set both, or neither to use the SDK's default credentials)"
                : $"{AccessKeyVariable} is set but {SecretKeyVariable} is not (set both, or neither to use the SDK's default credentials)");
        }

        if (problems.Count > 0)
        {
            throw new ConfigurationException(problems);
        }

        return new OffsiteSettings
        {
            Bucket = bucket,
            Prefix = prefix,
            Endpoint = endpoint,
            Region = region,
            AccessKeyId = accessKey,
            SecretAccessKey = secretKey,
        };
    }

    private static string CheckPrefix(string prefix, string label, List<string> problems)
    {
        if (prefix.Length == 0)
        {
            return prefix;
        }

        if (prefix.StartsWith('/') || prefix.EndsWith('/') || prefix.Contains("//", StringComparison.Ordinal)
            || prefix.Split('/').Any(s => s is "." or "..") || prefix.Any(char.IsControl) || prefix.Length > 512)
        {
            problems.Add($"{label}='{prefix}' is not a prefix (expected folder names separated by '/', e.g. backups/prod, without a leading or trailing '/', '.' or '..')");
        }

        return prefix;
    }

    private static Uri? CheckEndpoint(string? text, List<string> problems)
    {
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            problems.Add($"{EndpointVariable}='{text}' is not an http:// or https:// address (e.g. https://fra1.digitaloceanspaces.com)");
            return null;
        }

        // A user:password@ part would end up in every message that names the endpoint.
        if (uri.UserInfo.Length > 0)
        {
            problems.Add($"{EndpointVariable} must not contain credentials (put them in {AccessKeyVariable}/{SecretKeyVariable})");
            return null;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            problems.Add($"{EndpointVariable}='{text}' has a path or query; give only the service address (the bucket goes in {BucketVariable})");
            return null;
        }

        return uri;
    }

    private static string? Value(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    [GeneratedRegex(@"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\z", RegexOptions.CultureInvariant)]
    private static partial Regex BucketPattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
