using System.Text.Json;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

/// <summary>
/// Every full verdict compares the restored schema with the last healthy verification of the same database: a change is a
/// warning (the dump is faithful) that reaches the verdict, the JSON report, the summary table and status.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaCheckTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_diff_names_added_removed_and_changed_tables_columns_and_extensions_with_quoted_names()
    {
        string[] before =
        [
            "column \"a.b\".\"c d\".\"x.y\" integer", "column public.images.caption text", "column public.legacy.id integer",
            "extension citext 1.6", "extension hstore 1.8", "table \"a.b\".\"c d\"", "table public.images", "table public.legacy",
        ];
        string[] after =
        [
            "column \"a.b\".\"c d\".\"x.y\" bigint", "column public.images.alt_text text", "column public.images.caption character varying(200)",
            "column public.tags.name text not null", "extension citext 1.7", "table \"a.b\".\"c d\"", "table public.images", "table public.tags",
        ];

        var changes = RestoredSchema.Diff(before, after);

        changes.Should().Equal(
            "+ public.tags",
            "- public.legacy",
            "~ \"a.b\".\"c d\".\"x.y\" integer → bigint",
            "+ public.images.alt_text text",
            "~ public.images.caption text → character varying(200)",
            "~ extension citext 1.6 → 1.7",
            "- extension hstore");
        RestoredSchema.Diff(after, after).Should().BeEmpty();
    }

    [Fact]
    public async Task An_unreadable_ledger_makes_the_comparisons_warn_that_they_did_not_compare()
    {
        var database = await fixture.CreateDatabaseAsync();
        var environment = fixture.CliEnvironment(database, _dir.Path);
        (await CliRunner.RunAsync(environment, "backup")).ExitCode.Should().Be(0);
        File.CreateSymbolicLink(PortfolioBackup.Catalog.VerificationLedger.PathIn(_dir.Path), "/nonexistent");

        var verify = await CliRunner.RunAsync(environment, "verify", "--latest", "--engine", "local");

        verify.Output.Should().Contain("warn  row-drop: not compared with earlier verifications: the verification ledger")
            .And.Contain("warn  schema: 11 tables, 33 columns; not compared with earlier verifications");
    }

    [Fact]
    public async Task A_migration_between_two_backups_is_a_schema_warning_in_the_verdict_the_report_the_summary_and_status()
    {
        var database = await fixture.CreateDatabaseAsync();
        var environment = fixture.CliEnvironment(database, _dir.Path);
        (await CliRunner.RunAsync(environment, "backup")).ExitCode.Should().Be(0);
        var first = await CliRunner.RunAsync(environment, "verify", "--latest", "--engine", "local");
        first.Output.Should().Contain("pass  schema: 11 tables, 33 columns; recorded as the first healthy verification of database");
        await fixture.ExecuteAsync(database, "ALTER TABLE images ADD COLUMN alt_text text");
        await Task.Delay(1100);
        (await CliRunner.RunAsync(environment, "backup")).ExitCode.Should().Be(0);
        var report = _dir.Combine("report.json");

        var second = await CliRunner.RunAsync(environment, "verify", "--latest", "--engine", "local", "--report", report);
        var summary = await CliRunner.RunAsync(environment, "report-summary", "--report", report);
        var status = await CliRunner.RunAsync(environment, "status");

        second.ExitCode.Should().Be(0, second.AllOutput);
        second.Output.Should().Contain("warn  schema: + public.images.alt_text text (since backup_");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        json.RootElement.GetProperty("dumps")[0].GetProperty("warnings").EnumerateArray().Select(w => w.GetString())
            .Should().ContainSingle(w => w!.StartsWith("schema: + public.images.alt_text text", StringComparison.Ordinal));
        summary.Output.Should().Contain("**Warnings**").And.Contain("schema: + public.images.alt_text text");
        status.ExitCode.Should().Be(0, status.AllOutput);
        status.Output.Should().Contain("  warn  schema: + public.images.alt_text text");
    }
}
