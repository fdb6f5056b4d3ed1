using System.Text;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Offsite;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Offsite;

namespace PortfolioBackup.Tests.Catalog;

/// <summary>
/// What counts as a backup is one rule (<see cref="BackupRule"/>): the same file is judged the same in the backup folder,
/// in the bucket and in the folder <c>verify --from</c> downloads into, and "latest" is the same backup for
/// <c>verify --latest</c>, the xunit suite's selection and <c>status</c>.
/// </summary>
public sealed class OneRuleEverywhereTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private static readonly DateTimeOffset TakenAt = DateTimeOffset.UtcNow.AddDays(-1);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Cases() => ["whole", "no manifest", "manifest of another file", "size differs from the manifest", "manifest is not JSON", "empty"];

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Cases))]
    public async Task The_folder_the_bucket_and_the_download_folder_judge_the_same_file_alike(string shape)
    {
        var local = _dir.Combine("local");
        Directory.CreateDirectory(local);
        var dump = Shape(local, shape);
        var prefix = S3ServerFixture.NewPrefix();
        using var store = OffsiteStore.Open(s3.Settings(prefix));
        var name = Path.GetFileName(dump);

        // Put it into the bucket as our upload would: the object with its SHA-256, and the manifest when there is one.
        await store.UploadFileAsync(dump, name, OffsiteTestFiles.Sha256Of(dump));
        if (File.Exists(BackupFileName.ManifestPathFor(dump)))
        {
            await store.UploadFileAsync(BackupFileName.ManifestPathFor(dump), name + BackupFileName.ManifestSuffix, OffsiteTestFiles.Sha256Of(BackupFileName.ManifestPathFor(dump)));
        }

        var inFolder = (await BackupCatalog.ListAsync(local)).Single();
        var inBucket = (await store.ListBackupsAsync()).Single().ToEntry();
        var downloads = _dir.Combine("downloads");
        Directory.CreateDirectory(downloads);
        await store.DownloadAsync(name, Path.Combine(downloads, name));
        if (inBucket.HasManifest)
        {
            await store.DownloadAsync(name + BackupFileName.ManifestSuffix, BackupFileName.ManifestPathFor(Path.Combine(downloads, name)));
        }

        var inDownloads = (await BackupCatalog.ListAsync(downloads)).Single();

        inBucket.ContentProblem.Should().Be(inFolder.ContentProblem);
        inDownloads.ContentProblem.Should().Be(inFolder.ContentProblem);
        (inFolder.ContentProblem is null).Should().Be(shape == "whole");
    }

    [Fact]
    public async Task Latest_is_the_same_backup_for_verify_the_suites_selection_and_status()
    {
        var now = DateTimeOffset.UtcNow;
        var real = OffsiteTestFiles.WriteBackup(_dir.Path, now.AddHours(-3));
        OffsiteTestFiles.WriteDump(_dir.Path, BackupFileName.For(now.AddHours(-1)), 4096);
        var future = OffsiteTestFiles.WriteBackup(_dir.Path, now.AddDays(3));
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["BACKUP_DIR"] = _dir.Path, ["PATH"] = Environment.GetEnvironmentVariable("PATH") };

        var suite = DumpSelector.Select(_dir.Path, latest: true, now);
        var status = await CliRunner.RunAsync(environment, "status");
        var verify = await CliRunner.RunAsync(environment, "verify", "--latest", "--quick");

        suite.Paths.Should().Equal(real);
        suite.Notes.Should().ContainSingle().Which.Should().Contain("no manifest").And.Contain(Path.GetFileName(future));
        status.Output.Should().Contain($"newest backup:   {Path.GetFileName(real)}");
        verify.Output.Should().Contain($"{Path.GetFileName(real)}: ").And.NotContain($"{BackupFileName.For(now.AddHours(-1))}: ");
    }

    private static string Shape(string folder, string shape)
    {
        var name = BackupFileName.For(TakenAt);
        var path = Path.Combine(folder, name);
        if (shape == "empty")
        {
            File.WriteAllBytes(path, []);
            return path;
        }

        OffsiteTestFiles.WriteBackup(folder, TakenAt, 4096);
        var manifest = BackupFileName.ManifestPathFor(path);
        switch (shape)
        {
            case "no manifest":
                File.Delete(manifest);
                break;
            case "manifest of another file":
                File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(name, BackupFileName.For(TakenAt.AddDays(-1)), StringComparison.Ordinal));
                break;
            case "size differs from the manifest":
                File.AppendAllText(path, "more");
                break;
            case "manifest is not JSON":
                File.WriteAllText(manifest, "<html>not a manifest</html>", Encoding.UTF8);
                break;
        }

        return path;
    }
}
