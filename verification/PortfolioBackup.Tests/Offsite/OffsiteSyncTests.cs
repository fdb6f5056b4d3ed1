using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>Bringing the bucket up to date with a backup folder.</summary>
public sealed class OffsiteSyncTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    private static readonly DateTimeOffset Night = new(2026, 11, 28, 3, 15, 0, TimeSpan.Zero);

    [Fact(Timeout = 60_000)]
    public async Task Only_missing_backups_are_uploaded_dump_before_manifest_and_a_second_run_sends_nothing()
    {
        using var local = new TempDirectory();
        var older = OffsiteTestFiles.WriteBackup(local.Path, Night);
        var newer = OffsiteTestFiles.WriteBackup(local.Path, Night.AddDays(1));
        File.WriteAllText(local.Combine("notes.txt"), "not a backup");
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));
        await store.UploadFileAsync(older, Path.GetFileName(older), OffsiteTestFiles.Sha256Of(older));

        var first = await OffsiteSync.UploadMissingAsync(store, local.Path);
        var second = await OffsiteSync.UploadMissingAsync(store, local.Path);

        first.Succeeded.Should().BeTrue();
        first.Uploaded.Select(f => f.Name).Should().Equal(
            "backup_20261129_031500.dump", "backup_20261129_031500.dump.manifest.json", "backup_20261128_031500.dump.manifest.json");
        first.AlreadyPresent.Select(f => f.Name).Should().Equal("backup_20261128_031500.dump");
        second.Uploaded.Should().BeEmpty();
        second.AlreadyPresent.Should().HaveCount(4);
        (await store.ListBackupsAsync()).Should().OnlyContain(b => b.HasManifest)
            .And.Contain(b => b.Name == Path.GetFileName(newer) && b.Sha256 == OffsiteTestFiles.Sha256Of(newer));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_remote_copy_with_other_bytes_is_replaced()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteBackup(local.Path, Night);
        using var elsewhere = new TempDirectory();
        var stale = OffsiteTestFiles.WriteDump(elsewhere.Path, "x", 4096);
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));
        await store.UploadFileAsync(stale, Path.GetFileName(dump), OffsiteTestFiles.Sha256Of(stale));

        var result = await OffsiteSync.UploadMissingAsync(store, local.Path);

        result.Uploaded.Select(f => f.Name).Should().Contain(Path.GetFileName(dump));
        (await store.ListBackupsAsync()).Should().ContainSingle().Which.Sha256.Should().Be(OffsiteTestFiles.Sha256Of(dump));
    }

    [Fact(Timeout = 60_000)]
    public async Task Files_that_are_not_real_backups_and_pre_restore_backups_stay_local()
    {
        using var local = new TempDirectory();
        File.WriteAllBytes(local.Combine("backup_20261128_031500.dump"), []);
        OffsiteTestFiles.WriteDump(local.Path, "pre-restore_20261128_120000.dump", 1000);
        using var store = OffsiteStore.Open(server.Settings(S3ServerFixture.NewPrefix()));

        var result = await OffsiteSync.UploadMissingAsync(store, local.Path);

        result.Uploaded.Should().BeEmpty();
        result.Skipped.Select(s => (s.Name, s.Reason)).Should().BeEquivalentTo([
            ("backup_20261128_031500.dump", "empty file"),
            ("pre-restore_20261128_120000.dump", "pre-restore safety backup, kept local")]);
        (await store.ListBackupsAsync()).Should().BeEmpty();
    }
}

/// <summary>An upload cut off halfway by the server going away, and the retry; its own server, since it is stopped.</summary>
public sealed class OffsiteInterruptedUploadTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    [Fact(Timeout = 120_000)]
    public async Task An_upload_cut_off_halfway_keeps_the_local_backup_reports_why_and_the_next_run_completes_it()
    {
        using var local = new TempDirectory();
        var dump = OffsiteTestFiles.WriteBackup(local.Path, new DateTimeOffset(2026, 11, 30, 3, 15, 0, TimeSpan.Zero), (20L << 20) + 7);
        var localSha = OffsiteTestFiles.Sha256Of(dump);
        var parts = 0;
        var options = new OffsiteStoreOptions
        {
            MultipartThresholdBytes = 1 << 20,
            PartSizeBytes = OffsiteStoreOptions.MinimumPartSizeBytes,
            MaxRetries = 1,

            // The server dies after the second of five parts, as a crashed or unplugged endpoint would.
            PartUploaded = _ =>
            {
                if (++parts == 2)
                {
                    server.Stop();
                }
            },
        };
        var settings = server.Settings(S3ServerFixture.NewPrefix());
        using var store = OffsiteStore.Open(settings, options);

        var cut = await OffsiteSync.UploadMissingAsync(store, local.Path);
        await server.StartAsync();
        using var retryStore = OffsiteStore.Open(settings, options with { PartUploaded = null });
        var listedAfterCut = await retryStore.ListBackupsAsync();
        var retry = await OffsiteSync.UploadMissingAsync(retryStore, local.Path);

        cut.Succeeded.Should().BeFalse();
        cut.Failed.Should().ContainSingle().Which.Should().Match<OffsiteUploadFailure>(f => f.Name == Path.GetFileName(dump) && f.Reason.Contains("unreachable"));
        OffsiteTestFiles.Sha256Of(dump).Should().Be(localSha);
        listedAfterCut.Should().BeEmpty();
        retry.Succeeded.Should().BeTrue();
        retry.Uploaded.Select(f => f.Name).Should().Equal(Path.GetFileName(dump), Path.GetFileName(dump) + ".manifest.json");
        var copy = local.Combine("copy");
        await retryStore.DownloadAsync(Path.GetFileName(dump), copy);
        OffsiteTestFiles.Sha256Of(copy).Should().Be(localSha);
    }
}
