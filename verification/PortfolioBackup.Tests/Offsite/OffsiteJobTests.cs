using PortfolioBackup.Catalog;
using PortfolioBackup.Offsite;
using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>The upload-then-prune sequence: the bucket is pruned only when the newest verified backup is known.</summary>
public sealed class OffsiteJobTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task An_unreadable_local_ledger_uploads_everything_but_prunes_nothing_from_the_bucket()
    {
        using var local = new TempDirectory();
        var old = DateTimeOffset.UtcNow.AddDays(-30);
        OffsiteTestFiles.WriteBackup(local.Path, old);
        OffsiteTestFiles.WriteBackup(local.Path, old.AddDays(1));
        Directory.CreateDirectory(VerificationLedger.PathIn(local.Path));
        var settings = server.Settings(S3ServerFixture.NewPrefix());

        var result = await OffsiteJob.RunAsync(settings, new RetentionOptions { BackupDirectory = local.Path, RetentionDays = 0, MinBackups = 1 });

        result.Upload.Succeeded.Should().BeTrue();
        result.Upload.Uploaded.Should().HaveCount(4);
        result.Retention.Should().BeNull();
        result.Succeeded.Should().BeFalse("a bucket that could not be pruned safely is reported");
        result.Warnings.Should().ContainSingle(w => w.StartsWith("the bucket was not pruned: ", StringComparison.Ordinal));
        using var store = OffsiteStore.Open(settings);
        (await store.ListBackupsAsync()).Should().HaveCount(2, "without the ledger the newest verified backup is unknown, so nothing is deleted");
    }

    [Fact(Timeout = 60_000)]
    public async Task With_a_readable_ledger_the_same_folder_prunes_the_bucket_to_the_newest_backup()
    {
        using var local = new TempDirectory();
        var old = DateTimeOffset.UtcNow.AddDays(-30);
        OffsiteTestFiles.WriteBackup(local.Path, old);
        var newest = Path.GetFileName(OffsiteTestFiles.WriteBackup(local.Path, old.AddDays(1)));
        var settings = server.Settings(S3ServerFixture.NewPrefix());

        var result = await OffsiteJob.RunAsync(settings, new RetentionOptions { BackupDirectory = local.Path, RetentionDays = 0, MinBackups = 1 });

        result.Succeeded.Should().BeTrue();
        result.Retention!.Deleted.Should().ContainSingle();
        using var store = OffsiteStore.Open(settings);
        (await store.ListBackupsAsync()).Select(b => b.Name).Should().Equal(newest);
    }
}
