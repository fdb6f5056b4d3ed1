using System.Text.Json;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Verification;

[Collection(PostgresCollection.Name)]
public sealed class VerifyCommandTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Healthy_backups_exit_0_and_the_report_has_the_documented_shape()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);
        await File.WriteAllTextAsync(_dir.Combine("notes.txt"), "not a dump");
        var reportPath = _dir.Combine("report.json");

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local", "--jobs", "2", "--report", reportPath);

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("healthy").And.Contain("engine: local").And.Contain("ignored 1 file(s)").And.Contain("notes.txt").And.Contain("1 of 1 dump(s) healthy");
        run.AllOutput.Should().NotContain(fixture.Password);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        var first = json.RootElement.GetProperty("dumps")[0];
        first.GetProperty("file").GetString().Should().Be(dump);
        first.GetProperty("healthy").GetBoolean().Should().BeTrue();
        first.GetProperty("engine").GetString().Should().Be("local");
        first.GetProperty("image").ValueKind.Should().Be(JsonValueKind.Null);
        first.GetProperty("serverVersion").GetString().Should().StartWith("15");
        first.GetProperty("durationSeconds").GetDouble().Should().BePositive();
        first.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).Should().Contain(e => e!.StartsWith("citext"));
        var check = first.GetProperty("checks")[0];
        (check.GetProperty("name").GetString(), check.GetProperty("passed").GetBoolean(), check.GetProperty("detail").GetString()).Should().Match<(string?, bool, string?)>(c => c.Item1 == "file" && c.Item2 && c.Item3!.Length > 0);
        var tables = first.GetProperty("tables").EnumerateArray()
            .ToDictionary(t => $"{t.GetProperty("schema").GetString()}.{t.GetProperty("name").GetString()}", t => (t.GetProperty("rows").GetInt64(), t.GetProperty("expectedRows").GetInt64()));
        tables["Reporting Ünits.Order Items"].Should().Be((7L, 7L));
        tables.Should().HaveCount(PostgresServerFixture.SeedRowCounts.Count);
        File.Exists(_dir.Combine("verification-ledger.jsonl")).Should().BeTrue();
    }

    [Fact]
    public async Task The_ledger_records_how_long_the_verification_and_its_restore_took()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);
        var reportPath = _dir.Combine("report.json");

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local", "--report", reportPath);

        run.ExitCode.Should().Be(0, run.AllOutput);
        var entry = (await PortfolioBackup.Catalog.VerificationLedger.ReadAsync(_dir.Path)).Should().ContainSingle().Subject;
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        entry.VerifySeconds.Should().Be(json.RootElement.GetProperty("dumps")[0].GetProperty("durationSeconds").GetDouble());
        entry.RestoreSeconds.Should().BePositive().And.BeLessThan(entry.VerifySeconds!.Value, "the restore is one part of the verification");
    }

    [Fact]
    public async Task Any_unhealthy_backup_exits_1_naming_the_failed_check()
    {
        var database = await fixture.CreateDatabaseAsync();
        await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await File.WriteAllBytesAsync(_dir.Combine(TestDumps.BackupName(2)), []);

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local");

        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().Contain($"{TestDumps.BackupName(2)}: NOT HEALTHY").And.Contain("FAIL  file: the file is empty").And.Contain("1 of 2 dump(s) healthy");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_verdicts_warnings_are_printed_at_a_terminal_and_in_a_log_alike(bool isTerminal)
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);

        // A ledger that cannot be appended to leaves the verdict as it is and travels with it as a warning.
        Directory.CreateDirectory(_dir.Combine("verification-ledger.jsonl"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), isTerminal, timeout.Token, "verify", "--engine", "local");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("warning:").And.Contain("verification-ledger.jsonl").And.Contain("1 of 1 dump(s) healthy");
    }

    [Fact]
    public async Task Without_a_terminal_progress_is_one_line_per_dump_not_one_per_check()
    {
        var database = await fixture.CreateDatabaseAsync();
        for (var i = 1; i <= 2; i++)
        {
            var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(i)));
            await TestDumps.WriteManifestAsync(fixture, database, dump);
        }

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(": verifying", StringComparison.Ordinal))
            .Should().Equal($"{TestDumps.BackupName(1)}: verifying", $"{TestDumps.BackupName(2)}: verifying");
        run.Error.Should().NotContain(": restore").And.NotContain(": row-counts");
    }

    [Fact]
    public async Task A_check_not_run_is_printed_with_the_reports_own_word()
    {
        var database = await fixture.CreateDatabaseAsync();
        await File.WriteAllBytesAsync(_dir.Combine(TestDumps.BackupName(1)), []);

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local");

        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Output.Should().Contain("  not-run  restore:").And.NotContain("  skip  ");
    }

    [Fact]
    public async Task Latest_verifies_only_the_newest_backup()
    {
        var database = await fixture.CreateDatabaseAsync();
        await File.WriteAllBytesAsync(_dir.Combine(TestDumps.BackupName(1)), []);
        await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(2)));
        await TestDumps.WriteManifestAsync(fixture, database, _dir.Combine(TestDumps.BackupName(2)));

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local", "--latest");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain(TestDumps.BackupName(2)).And.NotContain(TestDumps.BackupName(1));
    }

    [Fact]
    public async Task Latest_names_why_the_newest_files_do_not_count_when_none_does()
    {
        var database = await fixture.CreateDatabaseAsync();
        await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(2)));

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local", "--latest");

        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain($"{TestDumps.BackupName(2)} (no manifest").And.Contain("name the file to verify it");
    }

    [Fact]
    public async Task Without_files_or_BACKUP_DIR_the_command_exits_2_with_help()
    {
        var environment = new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") };

        var run = await CliRunner.RunAsync(environment, "verify", "--engine", "local");

        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("BACKUP_DIR is not set").And.Contain("BACKUP_DIR=/var/backups/portfolio");
    }

    [Fact]
    public async Task Unknown_engine_and_invalid_config_exit_2()
    {
        var badConfig = _dir.Combine("verify.json");
        await File.WriteAllTextAsync(badConfig, """{ "maxRowDropShare": -1 }""");
        var environment = new Dictionary<string, string?> { ["BACKUP_DIR"] = _dir.Path };
        await File.WriteAllBytesAsync(_dir.Combine(TestDumps.BackupName(1)), []);

        var engine = await CliRunner.RunAsync(environment, "verify", "--engine", "vm");
        var config = await CliRunner.RunAsync(environment, "verify", "--engine", "local", "--config", badConfig);

        engine.ExitCode.Should().Be(2, engine.AllOutput);
        config.ExitCode.Should().Be(2, config.AllOutput);
        config.Error.Should().Contain(badConfig).And.Contain("maxRowDropShare");
    }
}
