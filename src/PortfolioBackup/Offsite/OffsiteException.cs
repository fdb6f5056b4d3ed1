namespace PortfolioBackup.Offsite;

/// <summary>What kind of offsite failure happened, so a caller can tell a configuration problem from a transient one.</summary>
public enum OffsiteFailure
{
    /// <summary>The endpoint refused the credentials (InvalidAccessKeyId, SignatureDoesNotMatch, 403).</summary>
    Credentials,

    /// <summary>The bucket does not exist.</summary>
    MissingBucket,

    /// <summary>The endpoint could not be reached or did not answer in time.</summary>
    Unreachable,

    /// <summary>What was stored or read back is not what was sent (size, SHA-256 or MD5 differ).</summary>
    Mismatch,

    /// <summary>The service answered with another error.</summary>
    Service,

    /// <summary>The request was refused before it was sent (a name outside the pattern, an existing local file).</summary>
    Refused,
}

/// <summary>An offsite store operation failed; the message names the endpoint, bucket or object and never a secret.</summary>
public sealed class OffsiteException : PortfolioBackupException
{
    /// <summary>Creates the exception with a specific message.</summary>
    public OffsiteException(OffsiteFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>The kind of failure.</summary>
    public OffsiteFailure Failure { get; }
}
