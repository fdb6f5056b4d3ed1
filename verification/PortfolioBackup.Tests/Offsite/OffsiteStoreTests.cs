using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>Uploads, listings and downloads against a real s3rver; each test works under its own prefix.</summary>
public sealed class OffsiteStoreTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    private static readonly DateTimeOffset TakenAt = new(2026, 11, 30, 3, 15, 0, TimeSpan.Zero);

    [Fact(Timeout = 60_000)]
    public async Task A_backup_round_trips_byte_for_byte_with_its_sha256()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "backup_20261130_031500.dump", 300_000);
        var sha = OffsiteTestFiles.Sha256Of(dump);
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));

        await store.UploadFileAsync(dump, "backup_20261130_031500.dump", sha);
        var listed = await store.ListBackupsAsync();
        var copy = local.Combine("copy.dump");
        var downloaded = await store.DownloadAsync("backup_20261130_031500.dump", copy);

        listed.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Name = "backup_20261130_031500.dump", SizeBytes = 300_000L, TakenAt, HasManifest = false, Sha256 = sha });
        File.ReadAllBytes(copy).Should().Equal(File.ReadAllBytes(dump));
        downloaded.Sha256.Should().Be(sha);
        File.GetUnixFileMode(copy).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_file_above_the_threshold_goes_up_in_several_parts_and_comes_back_intact()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "backup_20261130_031500.dump.age", (12L << 20) + 12345);
        var sha = OffsiteTestFiles.Sha256Of(dump);
        var parts = new List<long>();
        var options = new OffsiteStoreOptions { MultipartThresholdBytes = 1 << 20, PartSizeBytes = OffsiteStoreOptions.MinimumPartSizeBytes, PartUploaded = parts.Add };
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix), options);

        await store.UploadFileAsync(dump, "backup_20261130_031500.dump.age", sha);
        var copy = local.Combine("copy");
        await store.DownloadAsync("backup_20261130_031500.dump.age", copy);

        parts.Should().Equal(5L << 20, 10L << 20, (12L << 20) + 12345);
        File.ReadAllBytes(copy).Should().Equal(File.ReadAllBytes(dump));
        (await store.ListBackupsAsync()).Should().ContainSingle().Which.Sha256.Should().Be(sha);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_listing_holds_only_backup_names_directly_under_the_prefix()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "x", 1000);
        var sha = OffsiteTestFiles.Sha256Of(dump);
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix));
        using var sibling = OffsiteStore.Open(server.Settings(prefix + "2"));
        using var nested = OffsiteStore.Open(server.Settings(prefix + "/deeper"));
        using var root = OffsiteStore.Open(server.Settings());
        await store.UploadFileAsync(dump, "backup_20261130_031500.dump", sha);
        await store.UploadFileAsync(dump, "backup_20261130_031500.dump.manifest.json", sha);
        await store.UploadFileAsync(dump, "pre-restore_20261129_120000.dump", sha);
        await sibling.UploadFileAsync(dump, "backup_20261128_000000.dump", sha);
        await nested.UploadFileAsync(dump, "backup_20261127_000000.dump", sha);
        await root.UploadFileAsync(dump, "backup_20261126_000000.dump", sha);
        await PutRawAsync($"{prefix}/notes.txt");
        await PutRawAsync($"{prefix}/backup_20261130_031500.dump.bak");
        await PutRawAsync($"{prefix}/backup_20261399_000000.dump");

        var listed = await store.ListBackupsAsync();

        listed.Select(b => (b.Name, b.HasManifest)).Should().Equal(("backup_20261130_031500.dump", true), ("pre-restore_20261129_120000.dump", false));
        listed.Select(b => b.Key).Should().OnlyContain(k => k.StartsWith(prefix + "/", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_remote_object_changed_after_upload_is_caught_on_download_and_leaves_no_file()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "d", 200_000);
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix));
        await store.UploadFileAsync(dump, "backup_20261130_031500.dump", OffsiteTestFiles.Sha256Of(dump));

        // Bit rot in the service's storage: same length, one byte different.
        var stored = server.ObjectFile($"{prefix}/backup_20261130_031500.dump");
        var bytes = File.ReadAllBytes(stored);
        bytes[100_000] ^= 0xFF;
        File.WriteAllBytes(stored, bytes);
        var copy = local.Combine("copy");
        var download = () => store.DownloadAsync("backup_20261130_031500.dump", copy);

        (await download.Should().ThrowAsync<OffsiteException>())
            .Which.Should().Match<OffsiteException>(e => e.Failure == OffsiteFailure.Mismatch && e.Message.Contains("damaged"));
        File.Exists(copy).Should().BeFalse();
    }

    [Theory(Timeout = 60_000)]
    [InlineData(1000)]
    [InlineData(6L << 20)]
    public async Task A_file_whose_bytes_do_not_have_the_claimed_sha256_is_not_uploaded(long size)
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "d", size);
        var claimed = OffsiteTestFiles.Sha256Of(dump);

        // Damaged on disk after its manifest recorded the hash.
        using (var file = File.Open(dump, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = size - 1;
            var last = (byte)file.ReadByte();
            file.Position = size - 1;
            file.WriteByte((byte)(last ^ 0xFF));
        }

        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()), new OffsiteStoreOptions { MultipartThresholdBytes = 5L << 20, PartSizeBytes = 5L << 20 });

        var upload = () => store.UploadFileAsync(dump, "backup_20261130_031500.dump", claimed);

        (await upload.Should().ThrowAsync<OffsiteException>())
            .Which.Should().Match<OffsiteException>(e => e.Failure == OffsiteFailure.Mismatch && e.Message.Contains("not uploaded") && e.Message.Contains(claimed));
        (await store.ListBackupsAsync()).Should().BeEmpty();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_download_never_overwrites_an_existing_file()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "d", 1000);
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));
        await store.UploadFileAsync(dump, "backup_20261130_031500.dump", OffsiteTestFiles.Sha256Of(dump));
        var existing = local.Combine("existing");
        File.WriteAllText(existing, "keep me");

        var download = () => store.DownloadAsync("backup_20261130_031500.dump", existing);

        (await download.Should().ThrowAsync<OffsiteException>()).Which.Failure.Should().Be(OffsiteFailure.Refused);
        File.ReadAllText(existing).Should().Be("keep me");
    }

    [Fact(Timeout = 60_000)]
    public async Task An_object_replaced_by_other_bytes_under_the_same_sha256_metadata_is_caught_on_download()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "d", 5000);
        var sha = OffsiteTestFiles.Sha256Of(dump);
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(server.Settings(prefix));
        await store.UploadFileAsync(dump, "backup_20261130_031500.dump", sha);

        // Someone else's tool re-puts the key: new bytes (and a matching MD5 ETag), the old SHA-256 metadata.
        await PutRawAsync($"{prefix}/backup_20261130_031500.dump", "PGDMP other bytes", sha);
        var copy = local.Combine("copy");
        var download = () => store.DownloadAsync("backup_20261130_031500.dump", copy);

        (await download.Should().ThrowAsync<OffsiteException>())
            .Which.Should().Match<OffsiteException>(e => e.Failure == OffsiteFailure.Mismatch && e.Message.Contains(sha));
        File.Exists(copy).Should().BeFalse();
    }

    [Fact(Timeout = 60_000)]
    public async Task Deleting_refuses_names_outside_the_backup_pattern_and_removes_dump_and_manifest()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "d", 1000);
        var sha = OffsiteTestFiles.Sha256Of(dump);
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));
        await store.UploadFileAsync(dump, "backup_20261130_031500.dump", sha);
        await store.UploadFileAsync(dump, "backup_20261130_031500.dump.manifest.json", sha);

        var refused = () => store.DeleteBackupAsync("notes.txt");
        await store.DeleteBackupAsync("backup_20261130_031500.dump");

        (await refused.Should().ThrowAsync<OffsiteException>()).Which.Failure.Should().Be(OffsiteFailure.Refused);
        (await store.ListBackupsAsync()).Should().BeEmpty();
        (await store.StatAsync("backup_20261130_031500.dump.manifest.json", default)).Should().BeNull();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_cancelled_download_leaves_no_file_behind()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteDump(local.Path, "d", 1000);
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));
        await store.UploadFileAsync(dump, "backup_20261130_031500.dump", OffsiteTestFiles.Sha256Of(dump));
        var copy = local.Combine("copy");

        // Already cancelled: the target file is created (O_EXCL) before the first request, so this is the cleanup path.
        var download = () => store.DownloadAsync("backup_20261130_031500.dump", copy, new CancellationToken(canceled: true));

        await download.Should().ThrowAsync<OperationCanceledException>();
        File.Exists(copy).Should().BeFalse();
    }

    [Fact]
    public void A_missing_s3rver_says_to_run_setup()
    {
        var require = () => S3ServerFixture.RequireInstalled("/nonexistent/s3rver");

        require.Should().Throw<InvalidOperationException>().WithMessage("*run scripts/setup.sh*");
    }

    private async Task PutRawAsync(string key, string body = "not a backup", string? sha256 = null)
    {
        using var client = new Amazon.S3.AmazonS3Client(
            new Amazon.Runtime.BasicAWSCredentials(S3ServerFixture.AccessKeyId, S3ServerFixture.SecretAccessKey),
            new Amazon.S3.AmazonS3Config { ServiceURL = server.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED });
        var request = new Amazon.S3.Model.PutObjectRequest { BucketName = S3ServerFixture.Bucket, Key = key, ContentBody = body, UseChunkEncoding = false };
        if (sha256 is not null)
        {
            request.Metadata.Add("sha256", sha256);
        }

        await client.PutObjectAsync(request);
    }
}
