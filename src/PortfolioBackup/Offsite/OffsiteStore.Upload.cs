using System.Security.Cryptography;
using Amazon.S3.Model;
using PortfolioBackup.Archive;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Offsite;

public sealed partial class OffsiteStore
{
    private const int ReadBufferBytes = 1 << 20;

    /// <summary>
    /// Uploads a local file as <paramref name="name"/> under the prefix, streamed from disk (in parts above the threshold),
    /// with its SHA-256 as metadata and Content-MD5 on every request so the service checks each byte on the way in; then
    /// reads the object's size, SHA-256 metadata and ETag back and, on any difference, deletes it and throws.
    /// </summary>
    public async Task<RemoteBackup> UploadFileAsync(string localPath, string name, string sha256, CancellationToken cancellationToken = default)
    {
        if (!IsUploadableName(name))
        {
            throw new OffsiteException(OffsiteFailure.Refused, $"refusing to upload '{name}' to {Settings.Location}: not a backup's name or its manifest's");
        }

        sha256 = sha256.Trim().ToLowerInvariant();
        var key = Settings.KeyFor(name);
        long length;
        using (var probe = OpenLocal(localPath))
        {
            length = probe.Length;
        }

        var expectedETags = length >= Options.MultipartThresholdBytes
            ? await PutMultipartAsync(localPath, key, length, sha256, cancellationToken)
            : await PutSingleAsync(localPath, key, sha256, cancellationToken);

        var stored = await StatAsync(name, cancellationToken);
        var problem = stored is null ? "it is not there after the upload"
            : stored.SizeBytes != length ? $"it has {stored.SizeBytes} bytes, the local file {length}"
            : stored.Sha256 != sha256 ? $"its SHA-256 metadata is {stored.Sha256 ?? "missing"}, expected {sha256}"
            : Options.VerifyETag && !expectedETags.Contains(stored.ETag ?? "", StringComparer.OrdinalIgnoreCase) ? $"the service's checksum (ETag) is {stored.ETag}, the data sent gives {string.Join(" or ", expectedETags)}"
            : null;
        if (problem is not null)
        {
            await DeleteQuietlyAsync(key);
            throw new OffsiteException(OffsiteFailure.Mismatch, $"the upload of {name} to {Settings.Describe()} did not arrive intact: {problem}; the object was deleted, the local file is kept");
        }

        BackupFileName.TryParseAny(name, out var takenAt);
        return new RemoteBackup(name, key, length, takenAt, HasManifest: false, sha256);
    }

    private static bool IsUploadableName(string name) =>
        BackupFileName.IsAnyBackup(name)
        || (name.EndsWith(BackupFileName.ManifestSuffix, StringComparison.Ordinal) && BackupFileName.IsAnyBackup(name[..^BackupFileName.ManifestSuffix.Length]));

    private static FileStream OpenLocal(string path) => DumpFile.OpenRead(path, ReadBufferBytes);

    private async Task<string[]> PutSingleAsync(string localPath, string key, string sha256, CancellationToken cancellationToken)
    {
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var md5 = await Md5Async(localPath, 0, long.MaxValue, null, whole, cancellationToken);
        CheckLocalSha256(whole, sha256, localPath);
        await using var stream = OpenLocal(localPath);
        var request = new PutObjectRequest
        {
            BucketName = Settings.Bucket,
            Key = key,
            InputStream = stream,
            AutoCloseStream = false,
            MD5Digest = Convert.ToBase64String(md5),
            ContentType = "application/octet-stream",

            // A plain signed body: s3rver and several S3-compatibles do not decode aws-chunked uploads.
            UseChunkEncoding = false,
        };
        request.Metadata.Add("sha256", sha256);
        await CallAsync($"uploading {key} to", () => _client.PutObjectAsync(request, cancellationToken), cancellationToken);
        return [Convert.ToHexStringLower(md5)];
    }

    private async Task<string[]> PutMultipartAsync(string localPath, string key, long length, string sha256, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest { BucketName = Settings.Bucket, Key = key, ContentType = "application/octet-stream" };
        initiate.Metadata.Add("sha256", sha256);
        var uploadId = (await CallAsync($"starting the upload of {key} to", () => _client.InitiateMultipartUploadAsync(initiate, cancellationToken), cancellationToken)).UploadId;

        try
        {
            var parts = new List<PartETag>();
            using var partDigests = new MemoryStream();
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            using var wholeSha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var partNumber = 0;
            for (long offset = 0; offset < length; offset += Options.PartSizeBytes)
            {
                partNumber++;
                var size = Math.Min(Options.PartSizeBytes, length - offset);
                var md5 = await Md5Async(localPath, offset, size, whole, wholeSha, cancellationToken);
                partDigests.Write(md5);
                var request = new UploadPartRequest
                {
                    BucketName = Settings.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    FilePath = localPath,
                    FilePosition = offset,
                    PartSize = size,
                    MD5Digest = Convert.ToBase64String(md5),
                    UseChunkEncoding = false,
                };
                var number = partNumber;
                var response = await CallAsync($"uploading part {number} of {key} to", () => _client.UploadPartAsync(request, cancellationToken), cancellationToken);
                if (!string.Equals(Unquote(response.ETag), Convert.ToHexStringLower(md5), StringComparison.OrdinalIgnoreCase) && Options.VerifyETag)
                {
                    throw new OffsiteException(OffsiteFailure.Mismatch, $"part {number} of {key} did not arrive intact at {Settings.Describe()} (ETag {response.ETag}, sent MD5 {Convert.ToHexStringLower(md5)})");
                }

                parts.Add(new PartETag(number, response.ETag));
                Options.PartUploaded?.Invoke(offset + size);
            }

            CheckLocalSha256(wholeSha, sha256, localPath);
            var complete = new CompleteMultipartUploadRequest { BucketName = Settings.Bucket, Key = key, UploadId = uploadId, PartETags = parts };
            await CallAsync($"completing the upload of {key} to", () => _client.CompleteMultipartUploadAsync(complete, cancellationToken), cancellationToken);

            // S3's multipart ETag is the MD5 of the parts' MD5s and the number of parts; some S3-compatibles (s3rver) give the
            // whole object's MD5 instead. Either is the service's own digest of what it stored.
            return [$"{Convert.ToHexStringLower(MD5.HashData(partDigests.ToArray()))}-{partNumber}", Convert.ToHexStringLower(whole.GetHashAndReset())];
        }
        catch
        {
            // Unfinished parts cost storage until aborted; the service may be the thing that failed, so this is best effort.
            using var abortTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Settings.Bucket, Key = key, UploadId = uploadId }, abortTimeout.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The original failure is the one to report.
            }

            throw;
        }
    }

    private async Task DeleteQuietlyAsync(string key)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _client.DeleteObjectAsync(Settings.Bucket, key, timeout.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The mismatch is what the caller must hear about; a leftover object fails the next check again.
        }
    }

    /// <summary>
    /// The bytes hashed here are the bytes the MD5s (and so the service's ETag check) vouch for; their SHA-256 must be the one
    /// claimed, or the metadata would promise a hash the object does not have (a dump damaged or changed since its manifest).
    /// </summary>
    private static void CheckLocalSha256(IncrementalHash sha, string expected, string localPath)
    {
        var actual = Convert.ToHexStringLower(sha.GetHashAndReset());
        if (actual != expected)
        {
            throw new OffsiteException(OffsiteFailure.Mismatch, $"{localPath} has SHA-256 {actual}, not the {expected} it should have (its manifest's): it changed or was damaged since; not uploaded");
        }
    }

    private static async Task<byte[]> Md5Async(string path, long offset, long count, IncrementalHash? whole, IncrementalHash sha256, CancellationToken cancellationToken)
    {
        await using var stream = OpenLocal(path);
        stream.Position = offset;
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[ReadBufferBytes];
        var left = count;
        while (left > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (read == 0)
            {
                break;
            }

            md5.AppendData(buffer, 0, read);
            whole?.AppendData(buffer, 0, read);
            sha256.AppendData(buffer, 0, read);
            left -= read;
        }

        return md5.GetHashAndReset();
    }
}
