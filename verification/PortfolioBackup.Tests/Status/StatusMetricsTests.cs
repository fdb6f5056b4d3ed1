using System.Collections.Concurrent;
using CliWrap;
using CliWrap.Buffered;
using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Retention;

namespace PortfolioBackup.Tests.Status;

/// <summary>
/// <c>status --metrics-file</c> for node_exporter's textfile collector: checked by promtool, exact values from the folder and
/// the ledger, written on OK and CRITICAL alike, replaced whole (Docker-free).
/// </summary>
public sealed class StatusMetricsTests : IDisposable
{
    // A database name that needs escaping in a label: a double quote and a backslash, as written in the file.
    private const string Odd = "we\"ird\\db";
    private const string OddLabel = "we\\\"ird\\\\db";

    private readonly TempDirectory _directory = new();
    private readonly TempDirectory _textfile = new();
    private readonly BackupFolder _folder;

    public StatusMetricsTests() =>
        _folder = new BackupFolder(_directory, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public void Dispose()
    {
        _directory.Dispose();
        _textfile.Dispose();
    }

    private string MetricsPath => _textfile.Combine("portfolio_backup.prom");

    private Dictionary<string, string?> Environment() => new() { ["BACKUP_DIR"] = _folder.Path };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Promtool_accepts_the_metrics_file_of_a_real_status_run_with_no_lint_problems(bool seeded)
    {
        if (seeded)
        {
            await SeedAsync();
        }

        var run = await CliRunner.RunAsync(Environment(), "status", "--metrics-file", MetricsPath);
        var (exitCode, output) = await Promtool.CheckMetricsAsync(MetricsPath);

        run.ExitCode.Should().Be(seeded ? 0 : 1, run.AllOutput);
        exitCode.Should().Be(0, output + File.ReadAllText(MetricsPath));
        output.Trim().Should().BeEmpty("promtool prints nothing for a file without lint problems");
    }

    [Fact]
    public async Task The_metrics_file_holds_the_exact_values_of_the_backups_and_the_ledger()
    {
        var seeded = await SeedAsync();
        var before = DateTimeOffset.UtcNow;

        var run = await CliRunner.RunAsync(Environment(), "status", "--metrics-file", MetricsPath);

        run.ExitCode.Should().Be(0, run.AllOutput);
        var text = await File.ReadAllTextAsync(MetricsPath);
        var samples = MetricsText.Samples(text);
        var checkedAt = samples["portfolio_backup_status_checked_timestamp_seconds"];
        samples.Remove("portfolio_backup_status_checked_timestamp_seconds");
        samples.Should().Equal(new Dictionary<string, double>
        {
            ["portfolio_backup_newest_backup_timestamp_seconds{database=\"portfolio\"}"] = _folder.Now.AddHours(-1).ToUnixTimeSeconds(),
            [$"portfolio_backup_newest_backup_timestamp_seconds{{database=\"{OddLabel}\"}}"] = _folder.Now.AddHours(-2).ToUnixTimeSeconds(),
            ["portfolio_backup_newest_backup_size_bytes{database=\"portfolio\"}"] = new FileInfo(seeded.Newer).Length,
            [$"portfolio_backup_newest_backup_size_bytes{{database=\"{OddLabel}\"}}"] = new FileInfo(seeded.Other).Length,
            ["portfolio_backup_backups{database=\"portfolio\"}"] = 3,
            [$"portfolio_backup_backups{{database=\"{OddLabel}\"}}"] = 1,
            ["portfolio_backup_backups_size_bytes{database=\"portfolio\"}"] = new[] { seeded.Older, seeded.Newer, seeded.Safety }.Sum(f => new FileInfo(f).Length),
            [$"portfolio_backup_backups_size_bytes{{database=\"{OddLabel}\"}}"] = new FileInfo(seeded.Other).Length,
            ["portfolio_backup_newest_verified_timestamp_seconds{database=\"portfolio\"}"] = _folder.Now.AddHours(-3).ToUnixTimeSeconds(),
            ["portfolio_backup_newest_verified_verify_duration_seconds{database=\"portfolio\"}"] = 12.5,
            ["portfolio_backup_newest_verified_restore_duration_seconds{database=\"portfolio\"}"] = 7.25,
            ["portfolio_backup_newest_verified_rows{database=\"portfolio\"}"] = 25 + 7 + 137,
            ["portfolio_backup_last_verification_healthy{database=\"portfolio\"}"] = 0,
            ["portfolio_backup_last_verification_timestamp_seconds{database=\"portfolio\"}"] = _folder.Now.AddMinutes(-30).ToUnixTimeSeconds(),
            ["portfolio_backup_status_ok"] = 1,
        }, "the newer backup's verdict was unhealthy, so the newest verified is the older one; the other database was never verified");
        checkedAt.Should().BeInRange(before.ToUnixTimeMilliseconds() / 1000.0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        text.Should().Contain("# HELP portfolio_backup_newest_verified_rows ").And.Contain("# TYPE portfolio_backup_newest_verified_rows gauge\n");
        text.Should().NotContain("offsite", "no bucket is configured");
    }

    [Fact]
    public async Task A_CRITICAL_status_writes_its_metrics_too_and_keeps_its_exit_code()
    {
        var stale = _folder.Backup(TimeSpan.FromHours(30));

        var run = await CliRunner.RunAsync(Environment(), "status", "--metrics-file", MetricsPath);

        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().StartWith("CRITICAL - ");
        var samples = MetricsText.Samples(await File.ReadAllTextAsync(MetricsPath));
        samples["portfolio_backup_status_ok"].Should().Be(0);
        samples["portfolio_backup_newest_backup_timestamp_seconds{database=\"portfolio\"}"].Should().Be(_folder.Now.AddHours(-30).ToUnixTimeSeconds());
        samples["portfolio_backup_newest_backup_size_bytes{database=\"portfolio\"}"].Should().Be(new FileInfo(stale).Length);
        samples.Keys.Should().NotContain(k => k.Contains("verified", StringComparison.Ordinal), "nothing was verified");
    }

    [Fact]
    public async Task A_vanished_backup_folder_still_replaces_the_metrics_with_status_ok_0()
    {
        await File.WriteAllTextAsync(MetricsPath, "# an older file that said all was well\nportfolio_backup_status_ok 1\n");
        var environment = new Dictionary<string, string?> { ["BACKUP_DIR"] = _directory.Combine("gone") };

        var run = await CliRunner.RunAsync(environment, "status", "--metrics-file", MetricsPath);

        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().StartWith("CRITICAL - the backup folder");
        MetricsText.Samples(await File.ReadAllTextAsync(MetricsPath)).Keys.Should().BeEquivalentTo("portfolio_backup_status_ok", "portfolio_backup_status_checked_timestamp_seconds");
        MetricsText.Samples(await File.ReadAllTextAsync(MetricsPath))["portfolio_backup_status_ok"].Should().Be(0);
    }

    [Fact]
    public async Task STATUS_METRICS_FILE_is_used_and_the_flag_overrides_it()
    {
        await SeedAsync();
        var fromEnvironment = _textfile.Combine("from-environment.prom");
        var environment = Environment();
        environment["STATUS_METRICS_FILE"] = fromEnvironment;

        var first = await CliRunner.RunAsync(environment, "status");
        File.Delete(fromEnvironment);
        var second = await CliRunner.RunAsync(environment, "status", "--metrics-file", MetricsPath);

        first.ExitCode.Should().Be(0, first.AllOutput);
        second.ExitCode.Should().Be(0, second.AllOutput);
        File.Exists(MetricsPath).Should().BeTrue();
        File.Exists(fromEnvironment).Should().BeFalse("the flag wins over STATUS_METRICS_FILE");
    }

    [Theory]
    [InlineData("missing-folder")]
    [InlineData("parent-is-a-file")]
    public async Task An_unwritable_metrics_path_is_one_clear_error_and_exit_1_after_the_status_line(string shape)
    {
        await SeedAsync();
        var path = shape == "missing-folder" ? _textfile.Combine("no-such-folder", "m.prom") : _textfile.Combine("a-file", "m.prom");
        if (shape == "parent-is-a-file")
        {
            await File.WriteAllTextAsync(_textfile.Combine("a-file"), "not a folder");
        }

        var run = await CliRunner.RunAsync(Environment(), "status", "--metrics-file", path);

        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().StartWith("OK - ", "the monitor's first line stands");
        run.Error.Trim().Should().StartWith($"error: cannot write the metrics file {path}: ").And.NotContain("   at ").And.NotContain("Exception");
        if (shape == "missing-folder")
        {
            run.Error.Should().Contain($"the folder {_textfile.Combine("no-such-folder")} does not exist");
        }
    }

    [Fact]
    public async Task A_folder_named_as_the_metrics_file_is_a_configuration_error()
    {
        var run = await CliRunner.RunAsync(Environment(), "status", "--metrics-file", _textfile.Path);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain($"--metrics-file {_textfile.Path} is a folder");
    }

    [Fact]
    public async Task The_file_is_replaced_by_a_rename_so_no_reader_ever_sees_part_of_it()
    {
        await SeedAsync();
        (await CliRunner.RunAsync(Environment(), "status", "--metrics-file", MetricsPath)).ExitCode.Should().Be(0);
        var partial = new ConcurrentBag<string>();
        var reads = 0;
        using var stop = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();

        // Its own thread, reading as fast as it can while the runs below replace the file.
        var reader = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var text = File.ReadAllText(MetricsPath);
                Interlocked.Increment(ref reads);
                started.Set();
                if (!text.EndsWith('\n') || !text.Contains("\nportfolio_backup_status_checked_timestamp_seconds ", StringComparison.Ordinal))
                {
                    partial.Add(text);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        started.Wait(TimeSpan.FromSeconds(10)).Should().BeTrue("the reader runs before the first rewrite");

        for (var i = 0; i < 20; i++)
        {
            // A reader that opened the old file keeps all of it: the new one is another file renamed over the name.
            await using var held = new FileStream(MetricsPath, FileMode.Open, FileAccess.Read);
            var old = await File.ReadAllTextAsync(MetricsPath);
            (await CliRunner.RunAsync(Environment(), "status", "--metrics-file", MetricsPath)).ExitCode.Should().Be(0);
            (await new StreamReader(held).ReadToEndAsync()).Should().Be(old);
            (await File.ReadAllTextAsync(MetricsPath)).Should().NotBe(old, "each run writes its own check time");
        }

        await stop.CancelAsync();
        await reader;
        reads.Should().BeGreaterThan(20);
        partial.Should().BeEmpty();
        Directory.GetFileSystemEntries(_textfile.Path).Should().Equal([MetricsPath], "no temporary file is left behind");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_file_is_readable_by_node_exporter_even_when_status_runs_under_umask_077()
    {
        await File.WriteAllTextAsync(MetricsPath, "old");
        File.SetUnixFileMode(MetricsPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // The real program in its own process, so the umask is its own and not the test host's.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var run = await CliWrap.Cli.Wrap("/bin/sh")
            .WithArguments(["-c", "umask 077 && exec \"$@\"", "sh", Path.Combine(AppContext.BaseDirectory, "portfolio-backup"), "status", "--metrics-file", MetricsPath])
            .WithEnvironmentVariables(new Dictionary<string, string?> { ["BACKUP_DIR"] = _folder.Path, ["STATUS_METRICS_FILE"] = null })
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(timeout.Token);

        run.ExitCode.Should().Be(1, run.StandardOutput + run.StandardError);
        File.GetUnixFileMode(MetricsPath).Should().Be(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        (await File.ReadAllTextAsync(MetricsPath)).Should().Contain("portfolio_backup_status_ok 0\n");
    }

    private async Task<Seeded> SeedAsync()
    {
        var older = _folder.Backup(TimeSpan.FromHours(3));
        var newer = _folder.Backup(TimeSpan.FromHours(1));
        var safety = _folder.Backup(TimeSpan.FromHours(5), prefix: BackupFileName.PreRestorePrefix);
        var other = _folder.Backup(TimeSpan.FromHours(2), withManifest: false);
        BackupFolder.WriteManifest(other, Odd);
        var healthy = await LedgerWriter.VerifiedAsync(older, healthy: true, _folder.Now.AddHours(-2));
        await VerificationLedger.AppendAsync(_folder.Path, healthy with
        {
            VerifiedAt = _folder.Now.AddHours(-2).AddMinutes(1),
            VerifySeconds = 12.5,
            RestoreSeconds = 7.25,
            Tables = new Dictionary<string, long> { ["public.users"] = 25, ["public.migrations"] = 7, ["public.images"] = 137 },
        });
        await LedgerWriter.VerifiedAsync(newer, healthy: false, _folder.Now.AddMinutes(-30));
        return new Seeded(older, newer, safety, other);
    }

    private sealed record Seeded(string Older, string Newer, string Safety, string Other);
}
