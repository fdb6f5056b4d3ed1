using System.Security.Cryptography;
using Amazon.S3.Model;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Offsite;

public sealed partial class OffsiteStore
{
    /// <summary>
    /// Downloads <paramref name="name"/> into a new owner-only file (never overwriting one), streamed, then checks its size and,
    /// when the object records one, its SHA-256; on any failure the partial file is removed and an <see cref="OffsiteException"/> thrown.
    /// </summary>
    public async Task<RemoteBackup> DownloadAsync(string name, string localPath, CancellationToken cancellationToken = default)
    {
        if (!IsUploadableName(name))
        {
            throw new OffsiteException(OffsiteFailure.Refused, $"refusing to download '{name}' from {Settings.Location}: not a backup's name or its manifest's");
        }

        var key = Settings.KeyFor(name);
        FileStream file;
        try
        {
            // CreateNew is O_CREAT|O_EXCL: an existing file or a planted symlink makes it fail instead of being written through.
            file = new FileStream(localPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                Options = FileOptions.Asynchronous,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException ex)
        {
            throw new OffsiteException(OffsiteFailure.Refused, $"cannot download {name} to {localPath}: {ex.Message} (an existing file is never overwritten)", ex);
        }

        try
        {
            long written;
            string actual;
            long expectedSize;
            string? expectedSha;
            await using (file)
            {
                using var response = await CallAsync($"downloading {key} from", () => _client.GetObjectAsync(new GetObjectRequest { BucketName = Settings.Bucket, Key = key }, cancellationToken), cancellationToken);
                expectedSize = response.ContentLength;
                expectedSha = Sha256Of(response.Metadata);
                try
                {
                    (written, actual) = await CallAsync($"downloading {key} from", () => CopyHashingAsync(response.ResponseStream, file, cancellationToken), cancellationToken);
                }
                catch (OffsiteException ex) when (ex.InnerException is Amazon.Runtime.AmazonClientException { InnerException: null } sdk)
                {
                    // The SDK compares the body with the object's MD5 ETag at its end; a difference is a damaged copy, not a network fault.
                    throw new OffsiteException(OffsiteFailure.Mismatch, $"the download of {name} from {Settings.Describe()} is not intact: its bytes do not match the object's MD5 (ETag) the service recorded at upload, so the stored copy is damaged; the partial file was removed", sdk);
                }

                file.Flush(flushToDisk: true);
            }

            var problem = written != expectedSize ? $"{written} bytes arrived, the object has {expectedSize}"
                : expectedSha is not null && expectedSha != actual ? $"its SHA-256 is {actual}, the object's metadata says {expectedSha} (the stored copy is damaged)"
                : null;
            if (problem is not null)
            {
                throw new OffsiteException(OffsiteFailure.Mismatch, $"the download of {name} from {Settings.Describe()} is not intact: {problem}; the partial file was removed");
            }

            BackupFileName.TryParseAny(name, out var takenAt);
            return new RemoteBackup(name, key, written, takenAt, HasManifest: false, expectedSha ?? actual);
        }
        catch
        {
            File.Delete(localPath);
            throw;
        }
    }

    private static async Task<(long Written, string Sha256)> CopyHashingAsync(Stream source, Stream target, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ReadBufferBytes];
        long written = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            written += read;
        }

        return (written, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}
