using PortfolioBackup.Catalog;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Retention;

namespace PortfolioBackup.Tests.Status;

/// <summary>A damaged, huge or unwritable verification ledger, and a backup dated in the future, as status, list and prune meet them (Docker-free).</summary>
public sealed class LedgerDamageTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly BackupFolder _folder;

    public LedgerDamageTests() =>
        _folder = new BackupFolder(_directory, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public void Dispose() => _directory.Dispose();

    private string LedgerPath => VerificationLedger.PathIn(_folder.Path);

    private Dictionary<string, string?> Environment() => new() { ["BACKUP_DIR"] = _folder.Path };

    [Fact]
    public async Task Torn_null_and_garbage_lines_are_skipped_with_a_warning_by_status_list_and_prune()
    {
        // Arrange
        var backup = _folder.Backup(TimeSpan.FromHours(2));
        await LedgerWriter.VerifiedAsync(backup, healthy: true, _folder.Now.AddHours(-1));
        await File.AppendAllTextAsync(LedgerPath, "null\n{\"file\":42}\n\u0001\u0002garbage\n[1,2]\n{\"file\":\"x\",\"verifiedAt\":\"2024-01-01T00:00:00Z\",\"engine\":\"local\",\"hea");

        // Act
        var status = await CliRunner.RunAsync(Environment(), "status");
        var list = await CliRunner.RunAsync(Environment(), "list");
        var prune = await CliRunner.RunAsync(Environment(), "prune");

        // Assert
        status.ExitCode.Should().Be(0, status.AllOutput);
        status.Output.Should().StartWith("OK - ");
        status.Error.Should().Contain("warning: skipped line 2 of " + LedgerPath).And.Contain("line 6");
        list.ExitCode.Should().Be(0, list.AllOutput);
        list.Output.Should().Contain("healthy");
        list.Error.Should().Contain("skipped line 3");
        prune.ExitCode.Should().Be(0, prune.AllOutput);
    }

    [Fact]
    public async Task A_100_MB_ledger_line_is_skipped_without_being_held_in_memory()
    {
        // Arrange
        var backup = _folder.Backup(TimeSpan.FromHours(2));
        await using (var stream = File.Create(LedgerPath))
        {
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, (byte)'a');
            for (var i = 0; i < 100; i++)
            {
                await stream.WriteAsync(chunk);
            }

            await stream.WriteAsync("\n"u8.ToArray());
        }

        await LedgerWriter.VerifiedAsync(backup, healthy: true, _folder.Now.AddHours(-1));
        var before = GC.GetTotalAllocatedBytes(precise: true);

        // Act
        var contents = await VerificationLedger.LoadAsync(_folder.Path);

        // Assert
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        allocated.Should().BeLessThan(64L << 20, "the long line is counted past, never stored (other tests may allocate meanwhile)");
        contents.Entries.Should().ContainSingle().Which.File.Should().Be(Path.GetFileName(backup));
        contents.Warnings.Should().ContainSingle().Which.Should().Contain("line 1").And.Contain("longer than 1 MiB");
    }

    [Fact]
    public async Task Appending_after_a_torn_last_line_does_not_glue_the_new_verdict_onto_it()
    {
        // Arrange
        var backup = _folder.Backup(TimeSpan.FromHours(2));
        await File.WriteAllTextAsync(LedgerPath, "{\"file\":\"backup_x.dump\",\"verifiedAt\":\"2024-01-01T00:00:00Z\",\"eng");

        // Act
        await LedgerWriter.VerifiedAsync(backup, healthy: true, _folder.Now.AddHours(-1));
        var status = await CliRunner.RunAsync(Environment(), "status");

        // Assert
        status.ExitCode.Should().Be(0, status.AllOutput);
        status.Output.Should().Contain($"newest verified: {Path.GetFileName(backup)}");
    }

    [Fact]
    public async Task An_unwritable_ledger_is_a_warning_naming_the_file_not_an_exception()
    {
        // Arrange: root writes anywhere, but not into a directory standing where the ledger should be.
        Directory.CreateDirectory(LedgerPath);
        var entry = new LedgerEntry { File = "backup_20240101_000000.dump", VerifiedAt = _folder.Now, Engine = "local", Healthy = true };

        // Act
        var warning = await VerificationLedger.AppendAsync(_folder.Path, entry);

        // Assert
        warning.Should().Contain(LedgerPath).And.Contain("the verdict stands");
    }

    [Fact]
    public async Task A_ledger_that_is_a_symlink_is_never_written_through()
    {
        // Arrange
        using var outside = new TempDirectory();
        var target = outside.Combine("victim");
        await File.WriteAllTextAsync(target, "precious\n");
        File.CreateSymbolicLink(LedgerPath, target);
        var entry = new LedgerEntry { File = "backup_20240101_000000.dump", VerifiedAt = _folder.Now, Engine = "local", Healthy = true };

        // Act
        var warning = await VerificationLedger.AppendAsync(_folder.Path, entry);

        // Assert
        warning.Should().Contain(LedgerPath);
        (await File.ReadAllTextAsync(target)).Should().Be("precious\n");
    }

    [Fact]
    public async Task A_newest_backup_dated_in_the_future_is_CRITICAL_never_fresh()
    {
        // Arrange
        var real = _folder.Backup(TimeSpan.FromHours(2));
        await LedgerWriter.VerifiedAsync(real, healthy: true, _folder.Now.AddHours(-1));
        var future = _folder.Backup(TimeSpan.FromDays(-3));
        await LedgerWriter.VerifiedAsync(future, healthy: true, _folder.Now);

        // Act
        var run = await CliRunner.RunAsync(Environment(), "status");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().StartWith($"CRITICAL - {Path.GetFileName(future)} is dated in the future");
        run.Output.Should().Contain($"newest backup:   {Path.GetFileName(real)}").And.Contain($"newest verified: {Path.GetFileName(real)}");
    }

    [Fact]
    public async Task A_backup_a_minute_ahead_of_this_clock_is_within_the_skew_allowance()
    {
        // Arrange
        var ahead = _folder.Backup(TimeSpan.FromMinutes(-1));
        await LedgerWriter.VerifiedAsync(ahead, healthy: true, _folder.Now);

        // Act
        var run = await CliRunner.RunAsync(Environment(), "status");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
    }
}
