using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace PortfolioBackup.Offsite;

/// <summary>Turns SDK and network exceptions into <see cref="OffsiteException"/>s with a message a user can act on.</summary>
internal static class OffsiteErrors
{
    public static OffsiteException Translate(Exception ex, OffsiteSettings settings, string action)
    {
        var where = settings.EndpointText;
        if (ex is AmazonS3Exception s3)
        {
            var code = s3.ErrorCode ?? "";
            if (code is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "InvalidToken" or "ExpiredToken"
                || s3.StatusCode == HttpStatusCode.Forbidden)
            {
                return new OffsiteException(
                    OffsiteFailure.Credentials,
                    $"the S3 endpoint {where} refused the credentials ({Describe(s3)}) while {action} {settings.Location}: check {OffsiteSettingsReader.AccessKeyVariable}/{OffsiteSettingsReader.SecretKeyVariable}",
                    ex);
            }

            if (code == "NoSuchBucket")
            {
                return new OffsiteException(
                    OffsiteFailure.MissingBucket,
                    $"the bucket '{settings.Bucket}' does not exist at {where} (while {action} {settings.Location}): create it, or fix {OffsiteSettingsReader.BucketVariable}/{OffsiteSettingsReader.EndpointVariable}",
                    ex);
            }

            if (s3.InnerException is { } inner && IsNetwork(inner))
            {
                return Unreachable(settings, action, inner, ex);
            }

            return new OffsiteException(OffsiteFailure.Service, $"the S3 endpoint {where} answered {Describe(s3)} while {action} {settings.Location}: {s3.Message}", ex);
        }

        if (IsNetwork(ex))
        {
            return Unreachable(settings, action, ex, ex);
        }

        if (ex is AmazonUnmarshallingException || Chain(ex).Any(e => e is System.Xml.XmlException))
        {
            // A web app on the wrong port or a proxy's login page answers HTTP 200 with HTML; the parser's complaint helps nobody.
            return NotS3(settings, action, ex);
        }

        if (ex is AmazonClientException client && client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            // The default chain found nothing: say which variables would fix it.
            return new OffsiteException(
                OffsiteFailure.Credentials,
                $"no credentials for {where} while {action} {settings.Location}: {client.Message} (set {OffsiteSettingsReader.AccessKeyVariable}/{OffsiteSettingsReader.SecretKeyVariable})",
                ex);
        }

        return new OffsiteException(OffsiteFailure.Service, $"{action} {settings.Location} at {where} failed: {ex.Message}", ex);
    }

    /// <summary>The endpoint answered, but not as S3 does (an HTML page, XML of another kind).</summary>
    public static OffsiteException NotS3(OffsiteSettings settings, string action, Exception? cause = null) =>
        new(
            OffsiteFailure.Service,
            $"the endpoint {settings.EndpointText} answered something that is not an S3 response (not S3's XML) while {action} {settings.Location}: is {OffsiteSettingsReader.EndpointVariable} the address of the S3 service?",
            cause);

    private static OffsiteException Unreachable(OffsiteSettings settings, string action, Exception network, Exception outer) =>
        new(
            OffsiteFailure.Unreachable,
            $"the S3 endpoint {settings.EndpointText} is unreachable while {action} {settings.Location}: {Innermost(network).Message} (check {OffsiteSettingsReader.EndpointVariable} and the network)",
            outer);

    // An HttpIOException is a body that stopped midway (ResponseEnded: the peer closed cleanly before Content-Length).
    private static bool IsNetwork(Exception ex) =>
        ex is HttpRequestException or HttpIOException or SocketException or TimeoutException
        || ex is TaskCanceledException { CancellationToken.IsCancellationRequested: false }
        || (ex is IOException && ex.InnerException is SocketException)
        || (ex.InnerException is { } inner && inner != ex && IsNetwork(inner));

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    private static string Describe(AmazonS3Exception ex) =>
        $"{(int)ex.StatusCode} {ex.ErrorCode ?? ex.StatusCode.ToString()}";
}
