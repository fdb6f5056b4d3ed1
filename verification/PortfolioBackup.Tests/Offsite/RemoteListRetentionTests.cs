using System.Text.Json;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Offsite;
using PortfolioBackup.Retention;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Offsite;

/// <summary><c>list --remote</c> says, per object in the bucket, why the bucket's prune keeps it or would delete it.</summary>
public sealed class RemoteListRetentionTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = S3ServerFixture.NewPrefix();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task List_remote_gives_each_bucket_backup_the_reason_the_bucket_prune_gives()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var store = OffsiteStore.Open(s3.Settings(_prefix));
        var fresh = BackupFileName.For(now.AddDays(-1), BackupFileName.BackupPrefix, encrypted: true);
        var old = BackupFileName.For(now.AddDays(-20), BackupFileName.BackupPrefix, encrypted: true);
        var verified = BackupFileName.For(now.AddDays(-30), BackupFileName.BackupPrefix, encrypted: true);
        foreach (var name in new[] { fresh, old })
        {
            await OffsiteTestFiles.PutBackupAsync(store, _dir.Path, name);
        }

        var sha = await OffsiteTestFiles.PutBackupAsync(store, _dir.Path, verified);
        await store.PutVerdictAsync(new LedgerEntry { File = verified, Sha256 = sha, VerifiedAt = now.AddDays(-29), Database = "portfolio", Engine = "local", Healthy = true });
        var backups = _dir.Combine("backups");
        Directory.CreateDirectory(backups);
        var environment = BucketEnvironment.Droplet(s3, _prefix, backups);
        environment["MIN_BACKUPS"] = "1";

        var text = await CliRunner.RunAsync(environment, "list", "--remote");
        var json = await CliRunner.RunAsync(environment, "list", "--remote", "--json");
        var plan = await RemoteRetention.PlanAsync(store, new RetentionOptions { BackupDirectory = backups, MinBackups = 1 }, (await store.ListVerdictsAsync()).Entries);

        text.ExitCode.Should().Be(0, text.AllOutput);
        var lines = text.Output.Split('\n');
        lines.Should().Contain(l => l.StartsWith("BUCKET FILE ", StringComparison.Ordinal) && l.EndsWith("  RETENTION", StringComparison.Ordinal));
        Line(lines, fresh).Should().EndWith("  keep: age 1 d <= 14 d");
        Line(lines, old).Should().EndWith("  delete: age 20 d > 14 d");
        Line(lines, verified).Should().EndWith("  keep: newest verified");
        plan.Kept.Select(d => (d.Backup.FileName, "keep: " + d.Reason)).Concat(plan.Deleted.Select(d => (d.Backup.FileName, "delete: " + d.Reason)))
            .Should().OnlyContain(p => Line(lines, p.FileName).EndsWith("  " + p.Item2, StringComparison.Ordinal), "list shows the plan the bucket's prune follows");
        using var document = JsonDocument.Parse(json.Output);
        var oldRow = document.RootElement.EnumerateArray().Single(i => i.GetProperty("file").GetString() == old);
        oldRow.GetProperty("location").GetString().Should().Be("bucket");
        oldRow.GetProperty("retention").GetProperty("decision").GetString().Should().Be("delete");
        oldRow.GetProperty("retention").GetProperty("reason").GetString().Should().Be("age 20 d > 14 d");
        (await store.ListBackupsAsync()).Should().HaveCount(3, "list deletes nothing");
    }

    private static string Line(IEnumerable<string> lines, string name) =>
        lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
}
