using System.Text.Json;
using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Retention;

/// <summary><c>portfolio-backup prune</c> and <c>list</c> as a user runs them: output and exit codes (Docker-free).</summary>
public sealed class PruneAndListCliTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly BackupFolder _folder;

    public PruneAndListCliTests() =>
        // The CLI measures ages from the real clock, so the fake backups are named relative to it.
        _folder = new BackupFolder(_directory, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public void Dispose() => _directory.Dispose();

    private Dictionary<string, string?> Environment(string? backupDir = null) => new() { ["BACKUP_DIR"] = backupDir ?? _folder.Path };

    [Fact]
    public async Task Prune_prints_each_deletion_with_its_age_and_a_summary()
    {
        var keep = new[] { _folder.BackupDaysOld(1), _folder.BackupDaysOld(2), _folder.BackupDaysOld(3) };
        var old = _folder.BackupDaysOld(20);

        var run = await CliRunner.RunAsync(Environment(), "prune");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain($"deleted {Path.GetFileName(old)} (age 20 d > 14 d)");
        run.Output.Should().Contain("deleted 1 backup").And.Contain("kept 3 backups").And.Contain(_folder.Path);
        File.Exists(old).Should().BeFalse();
        File.Exists(old + ".manifest.json").Should().BeFalse();
        keep.Should().OnlyContain(p => File.Exists(p));
    }

    [Fact]
    public async Task Prune_dry_run_prints_what_would_go_and_deletes_nothing()
    {
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(20);
        var before = _folder.Names();

        var run = await CliRunner.RunAsync(Environment(), "prune", "--dry-run", "--min-backups", "1");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain($"would delete {Path.GetFileName(old)} (age 20 d > 14 d)");
        run.Output.Should().Contain("nothing was deleted");
        run.Output.Should().NotContain("deleted backup_");
        _folder.Names().Should().Equal(before);
    }

    [Fact]
    public async Task Prune_options_override_the_environment()
    {
        using var other = new TempDirectory();
        var otherFolder = new BackupFolder(other, _folder.Now);
        var newest = otherFolder.BackupDaysOld(1);
        var younger = otherFolder.BackupDaysOld(2);
        var untouched = _folder.BackupDaysOld(30);
        Enumerable.Range(0, 3).ToList().ForEach(i => _folder.BackupDaysOld(40 + i));

        var run = await CliRunner.RunAsync(
            Environment(), "prune", "--backup-dir", other.Path, "--retention-days", "0", "--min-backups", "1");

        run.ExitCode.Should().Be(0, run.AllOutput);
        File.Exists(newest).Should().BeTrue();
        File.Exists(younger).Should().BeFalse();
        File.Exists(untouched).Should().BeTrue("BACKUP_DIR was overridden by --backup-dir");
    }

    [Fact]
    public async Task Prune_through_a_symlinked_backup_dir_says_which_folder_it_prunes()
    {
        using var links = new TempDirectory();
        var link = links.Combine("backups");
        Directory.CreateSymbolicLink(link, _folder.Path);
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(20);

        var run = await CliRunner.RunAsync(Environment(link), "prune", "--min-backups", "1");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().StartWith($"note: {link} is a symlink; pruning its target {_folder.Path}");
        File.Exists(old).Should().BeFalse();
    }

    [Fact]
    public async Task Prune_with_nothing_to_delete_says_so()
    {
        _folder.BackupDaysOld(1);

        var run = await CliRunner.RunAsync(Environment(), "prune");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().StartWith("nothing to prune: kept 1 backup");
    }

    [Fact]
    public async Task Prune_without_backup_dir_exits_2_with_help()
    {
        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "prune");

        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("BACKUP_DIR is not set").And.Contain("--backup-dir");
    }

    [Fact]
    public async Task Prune_with_negative_retention_exits_2_and_deletes_nothing()
    {
        var old = _folder.BackupDaysOld(20);

        var run = await CliRunner.RunAsync(Environment(), "prune", "--retention-days", "-1");

        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("--retention-days -1");
        File.Exists(old).Should().BeTrue();
    }

    [Fact]
    public async Task Prune_while_a_backup_holds_the_lock_exits_1_and_deletes_nothing()
    {
        _folder.BackupDaysOld(1);
        var old = _folder.BackupDaysOld(40);
        using var held = BackupDirectoryLock.Acquire(_folder.Path, "backup");

        var run = await CliRunner.RunAsync(Environment(), "prune", "--min-backups", "1");

        run.ExitCode.Should().Be(1);
        run.Error.Should().StartWith("error: cannot prune:").And.Contain("locked by another run");
        File.Exists(old).Should().BeTrue();
    }

    [Fact]
    public async Task Prune_of_a_missing_folder_exits_1_naming_it()
    {
        var missing = _folder.Path + "-missing";

        var run = await CliRunner.RunAsync(Environment(missing), "prune");

        run.ExitCode.Should().Be(1);
        run.Error.Should().Contain(missing).And.Contain("does not exist");
    }

    [Fact]
    public async Task List_shows_each_backup_with_age_size_manifest_kind_and_retention()
    {
        var regular = _folder.Backup(TimeSpan.FromDays(3) + TimeSpan.FromHours(4), withManifest: false);
        var content = new byte[3 * 1024 * 1024];
        "PGDMP"u8.CopyTo(content);
        File.WriteAllBytes(regular, content);
        BackupFolder.WriteManifest(regular);
        var preRestore = _folder.Backup(TimeSpan.FromHours(2), prefix: BackupFileName.PreRestorePrefix);
        _folder.Foreign("notes.txt");

        var run = await CliRunner.RunAsync(Environment(), "list");

        run.ExitCode.Should().Be(0, run.AllOutput);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().HaveCount(4);
        lines[0].Should().MatchRegex(@"^FILE\s+AGE\s+SIZE\s+MANIFEST\s+KIND\s+LAST VERIFICATION\s+RETENTION$");
        lines[1].Should().MatchRegex($@"^{Path.GetFileName(preRestore)}\s+2 h\s+\d+ B\s+yes\s+pre-restore\s+never verified\s+keep: pre-restore safety backup, never pruned$");
        lines[2].Should().MatchRegex($@"^{Path.GetFileName(regular)}\s+3 d 4 h\s+3\.0 MiB\s+yes\s+regular\s+never verified\s+keep: age 3 d 4 h <= 14 d$");
        lines[3].Should().StartWith("2 backups, 3.0 MiB in ");
        run.Output.Should().NotContain("notes.txt");
    }

    [Fact]
    public async Task List_json_is_an_array_with_one_object_per_backup()
    {
        var newer = _folder.BackupDaysOld(1);
        var older = _folder.BackupDaysOld(2, withManifest: false);

        var run = await CliRunner.RunAsync(Environment(), "list", "--json");

        run.ExitCode.Should().Be(0, run.AllOutput);
        using var document = JsonDocument.Parse(run.Output);
        var items = document.RootElement.EnumerateArray().ToList();
        items.Select(i => i.GetProperty("file").GetString()).Should().Equal(Path.GetFileName(newer), Path.GetFileName(older));
        var first = items[0];
        first.GetProperty("takenAt").GetDateTimeOffset().Should().Be(_folder.Now.AddDays(-1));
        first.GetProperty("ageSeconds").GetInt64().Should().BeInRange(86400, 86400 + 600);
        first.GetProperty("sizeBytes").GetInt64().Should().Be(new FileInfo(newer).Length);
        first.GetProperty("hasManifest").GetBoolean().Should().BeTrue();
        first.GetProperty("kind").GetString().Should().Be("regular");
        items[1].GetProperty("hasManifest").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task List_of_an_empty_folder_prints_a_friendly_line_and_exits_0()
    {
        _folder.Foreign("notes.txt");

        var run = await CliRunner.RunAsync(Environment(), "list");
        var json = await CliRunner.RunAsync(Environment(), "list", "--json");

        run.ExitCode.Should().Be(0);
        run.Output.Should().StartWith($"no backups in {_folder.Path} yet");
        json.ExitCode.Should().Be(0);
        JsonDocument.Parse(json.Output).RootElement.GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task List_without_backup_dir_exits_2_with_help()
    {
        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "list");

        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("BACKUP_DIR is not set").And.Contain("--backup-dir");
    }
}
