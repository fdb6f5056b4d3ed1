namespace PortfolioBackup.Offsite;

/// <summary>One file the bucket holds after the sync, a dump or a manifest.</summary>
/// <param name="Name">The file's name, the same locally and under the prefix.</param>
/// <param name="SizeBytes">Its size.</param>
/// <param name="Sha256">Its lower-case hex SHA-256.</param>
public sealed record OffsiteFile(string Name, long SizeBytes, string Sha256);

/// <summary>A backup that is not (completely) in the bucket after the sync.</summary>
/// <param name="Name">The dump's or manifest's name.</param>
/// <param name="Reason">Why, e.g. the endpoint's answer; the local file is kept in every case.</param>
public sealed record OffsiteUploadFailure(string Name, string Reason);

/// <summary>A local file named like a backup that the sync leaves out, with why.</summary>
/// <param name="Name">The file's name.</param>
/// <param name="Reason">E.g. "empty file", "symlink, not followed".</param>
public sealed record OffsiteUploadSkip(string Name, string Reason);

/// <summary>What a sync of a backup folder to the bucket did.</summary>
/// <param name="Location">The bucket and prefix, e.g. s3://bucket/prefix.</param>
/// <param name="Uploaded">Files sent now (dumps before their manifests), each checked after the upload.</param>
/// <param name="AlreadyPresent">Files already there with the same size and SHA-256.</param>
/// <param name="Failed">Files that could not be uploaded or did not arrive intact; the next sync retries them.</param>
/// <param name="Skipped">Local files named like backups that are not uploaded.</param>
public sealed record OffsiteUploadResult(
    string Location,
    IReadOnlyList<OffsiteFile> Uploaded,
    IReadOnlyList<OffsiteFile> AlreadyPresent,
    IReadOnlyList<OffsiteUploadFailure> Failed,
    IReadOnlyList<OffsiteUploadSkip> Skipped)
{
    /// <summary>True when every local backup and manifest is in the bucket.</summary>
    public bool Succeeded => Failed.Count == 0;

    /// <summary>The bytes sent by this sync.</summary>
    public long UploadedBytes => Uploaded.Sum(f => f.SizeBytes);
}
