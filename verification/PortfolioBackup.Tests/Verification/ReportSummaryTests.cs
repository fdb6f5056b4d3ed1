using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

/// <summary><c>portfolio-backup report-summary</c>: a verify report as the Markdown table the nightly job shows (Docker-free).</summary>
public sealed class ReportSummaryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static DumpVerdict Verdict(string file, bool healthy, double seconds) => new()
    {
        File = file,
        Engine = "local",
        ServerVersion = "15.14",
        DurationSeconds = seconds,
        Checks = healthy
            ? [CheckResult.Pass("file", "ok"), CheckResult.Pass("restore", "ok")]
            : [CheckResult.Pass("file", "ok"), CheckResult.Fail("restore", "pg_restore exited 1 | ERROR: x"), CheckResult.NotRun("rows", "restore failed")],
        Tables = healthy ? [new TableVerdict("public", "users", 1200, 1200), new TableVerdict("public", "orders", 34, 34)] : [],
    };

    private async Task<string> WriteReportAsync(params DumpVerdict[] verdicts)
    {
        var path = _dir.Combine("report.json");
        await VerificationReportWriter.WriteAsync(new VerificationReport(verdicts, ["engine: local"]), path);
        return path;
    }

    [Fact]
    public async Task Summary_has_one_row_per_dump_with_size_age_rows_and_first_failure()
    {
        var now = DateTimeOffset.UtcNow;
        var healthyName = BackupFileName.For(now.AddHours(-5));
        var brokenName = BackupFileName.For(now.AddDays(-2));
        await File.WriteAllBytesAsync(_dir.Combine(healthyName), new byte[2048]);
        var report = await WriteReportAsync(Verdict("/elsewhere/" + healthyName, healthy: true, 12.34), Verdict("/elsewhere/" + brokenName, healthy: false, 3));

        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "report-summary", "--report", report, "--backup-dir", _dir.Path);

        run.ExitCode.Should().Be(0, run.AllOutput);
        var lines = run.Output.Split('\n');
        lines[0].Should().Be("### ❌ Backup verification: 1 of 2 dump(s) healthy");
        lines.Should().Contain("| Dump | Age | Size | Verdict | Tables | Rows | Duration | First failure |");
        lines.Should().Contain($"| `{healthyName}` | 5 h | 2.0 KiB | ✅ healthy | 2 | 1,234 | 12.3 s |  |");
        lines.Should().Contain($"| `{brokenName}` | 2 d | ? | ❌ **NOT healthy** | 0 | 0 | 3 s | restore: pg_restore exited 1 \\| ERROR: x |");
        lines.Should().Contain("- engine: local");
    }

    [Fact]
    public async Task A_healthy_dump_with_a_warning_says_so_in_the_summary_and_the_json_carries_each_checks_status()
    {
        var name = BackupFileName.For(DateTimeOffset.UtcNow.AddHours(-1));
        var verdict = Verdict(_dir.Combine(name), healthy: true, 1) with
        {
            Checks = [CheckResult.Pass("file", "ok"), CheckResult.Warn("sequences", "public.users.id: behind its column in the source too")],
        };
        var report = await WriteReportAsync(verdict);

        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "report-summary", "--report", report);

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("✅ healthy ⚠️ 1 warning |");
        var json = await File.ReadAllTextAsync(report);
        json.Should().Contain("\"status\": \"warn\"").And.Contain("\"status\": \"pass\"");
    }

    [Fact]
    public async Task All_healthy_gets_a_green_heading()
    {
        var report = await WriteReportAsync(Verdict(_dir.Combine(BackupFileName.For(DateTimeOffset.UtcNow)), healthy: true, 1));

        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "report-summary", "--report", report);

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().StartWith("### ✅ Backup verification: 1 of 1 dump(s) healthy");
    }

    [Fact]
    public async Task An_empty_report_says_no_dump_was_verified()
    {
        var report = await WriteReportAsync();

        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "report-summary", "--report", report);

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("0 of 0 dump(s) healthy").And.Contain("No dump was verified.");
    }

    [Fact]
    public async Task A_missing_report_exits_2()
    {
        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "report-summary", "--report", _dir.Combine("none.json"));

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("none.json does not exist");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"other\": 1}")]
    public async Task A_file_that_is_not_a_report_exits_2(string content)
    {
        var path = _dir.Combine("bad.json");
        await File.WriteAllTextAsync(path, content);

        var run = await CliRunner.RunAsync(new Dictionary<string, string?>(), "report-summary", "--report", path);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("is it a report from 'portfolio-backup verify --report'?");
    }
}
