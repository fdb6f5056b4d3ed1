using PortfolioBackup.Backup;
using PortfolioBackup.Catalog;
using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

[Collection(PostgresCollection.Name)]
public sealed class DumpVerifierTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static VerificationOptions Local(VerificationExpectations? expectations = null, string? ledger = null) => new()
    {
        Server = new RestoreServerOptions { Engine = RestoreEngine.Local },
        Expectations = expectations ?? VerificationExpectations.Default,
        Jobs = 2,
        LedgerDirectory = ledger,
    };

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Healthy_dump_with_manifest_passes_every_check_with_exact_counts()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);

        var verdict = await VerifyOneAsync(dump, Local(ledger: _dir.Path));

        verdict.Checks.Where(c => !c.Passed).Should().BeEmpty();
        verdict.Healthy.Should().BeTrue();
        verdict.Checks.Select(c => c.Name).Should().Equal(
            "file", "toc", "data", "dump-rows", "dump-tables", "target", "restore", "extensions", "tables", "row-counts", "sequences", "extension-versions", "schema", "restore-time", "row-drop");
        verdict.Tables.ToDictionary(t => $"{t.Schema}.{t.Name}", t => t.Rows).Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
        verdict.Tables.Should().OnlyContain(t => t.ExpectedRows == t.Rows);
        verdict.Extensions.Should().Contain(e => e.StartsWith("citext ")).And.Contain(e => e.StartsWith("pg_trgm ")).And.Contain(e => e.StartsWith("plpgsql "));
        verdict.Engine.Should().Be("local");
        verdict.ServerVersion.Should().StartWith("15");
        verdict.Database.Should().Be(database);
    }

    [Fact]
    public async Task Healthy_dump_without_manifest_matches_the_exact_counts_of_its_own_data()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));

        var verdict = await VerifyOneAsync(dump, Local());

        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures));
        verdict.ExpectedRowsSource.Should().Be("dump");
        Check(verdict, "row-counts").Detail.Should().Contain("the dump's own data");
        verdict.Tables.Should().OnlyContain(t => t.ExpectedRows == t.Rows);
        verdict.Tables.ToDictionary(t => $"{t.Schema}.{t.Name}", t => t.ExpectedRows!.Value).Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts);
    }

    [Fact]
    public async Task Dump_with_manifest_takes_its_expected_counts_from_the_manifest()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);

        var verdict = await VerifyOneAsync(dump, Local());

        verdict.ExpectedRowsSource.Should().Be("manifest");
        Check(verdict, "row-counts").Detail.Should().Contain("the manifest's exact counts");
    }

    [Fact]
    public async Task Manifest_count_mismatch_fails_before_the_restore_naming_table_expected_and_actual()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump, m => m with
        {
            Tables = m.Tables!.Select(t => t.QualifiedName == "public.images" ? t with { Rows = 140 } : t).Append(new TableRowCount("public", "gone", 5)).ToList(),
        });

        var verdict = await VerifyOneAsync(dump, Local());

        verdict.Healthy.Should().BeFalse();
        var rows = Check(verdict, "dump-rows");
        rows.Status.Should().Be(CheckStatus.Fail);
        rows.Detail.Should().Contain("public.images: expected 140 rows, the dump holds 137").And.Contain("public.gone: expected 5 rows, but the dump holds no data for the table");
        Check(verdict, "restore").Status.Should().Be(CheckStatus.NotRun);
        Check(verdict, "restore").Detail.Should().Be("not run: the dump-rows check failed");
    }

    [Fact]
    public async Task Hash_mismatch_with_the_manifest_fails_the_file_check()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump, m => m with { Sha256 = new string('0', 64) });

        var verdict = await VerifyOneAsync(dump, Local());

        verdict.Healthy.Should().BeFalse();
        Check(verdict, "file").Passed.Should().BeFalse();
        Check(verdict, "file").Detail.Should().Contain("SHA-256").And.Contain(new string('0', 64));
    }

    [Fact]
    public async Task Truncated_dump_gets_the_quick_tiers_truncated_verdict_and_is_not_restored()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        var bytes = await File.ReadAllBytesAsync(dump);
        await File.WriteAllBytesAsync(dump, bytes[..(bytes.Length * 2 / 3)]);

        var verdict = await VerifyOneAsync(dump, Local());

        verdict.Healthy.Should().BeFalse();
        var failed = verdict.Failures.First();
        failed.Name.Should().BeOneOf("toc", "data");
        failed.Detail.Should().Contain("truncated");
        Check(verdict, "restore").Status.Should().Be(CheckStatus.NotRun);
        Check(verdict, "row-counts").Detail.Should().StartWith("not run:");
    }

    [Theory]
    [InlineData("empty", "empty")]
    [InlineData("random", "PGDMP")]
    [InlineData("plain", "plain SQL")]
    [InlineData("tar", "tar")]
    public async Task A_file_that_is_not_a_custom_dump_is_unhealthy_with_the_reason(string kind, string expectedDetail)
    {
        var path = _dir.Combine(TestDumps.BackupName(1));
        switch (kind)
        {
            case "empty":
                await File.WriteAllBytesAsync(path, []);
                break;
            case "random":
                await File.WriteAllBytesAsync(path, Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7919 % 251)).ToArray());
                break;
            default:
                await TestDumps.DumpAsync(fixture, await fixture.CreateDatabaseAsync(), path, kind == "plain" ? "p" : "t");
                break;
        }

        var verdict = await VerifyOneAsync(path, Local());

        verdict.Healthy.Should().BeFalse();
        Check(verdict, "file").Passed.Should().BeFalse();
        Check(verdict, "file").Detail.Should().Contain(expectedDetail);
        Check(verdict, "restore").Detail.Should().StartWith("not run:");
    }

    [Fact]
    public async Task Dump_from_a_newer_pg_dump_than_the_target_fails_naming_both_versions()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await PretendWrittenByPgDump17Async(dump);

        var verdict = await VerifyOneAsync(dump, Local());

        verdict.Healthy.Should().BeFalse();
        Check(verdict, "target").Status.Should().Be(CheckStatus.Fail);
        Check(verdict, "target").Detail.Should().Contain("pg_dump 17.").And.Contain("PostgreSQL 15");
        Check(verdict, "restore").Detail.Should().StartWith("not run:");
    }

    [Fact]
    public async Task Missing_required_table_fails_before_the_restore_naming_it()
    {
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "DROP TABLE public.migrations");
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));

        var verdict = await VerifyOneAsync(dump, Local());

        Check(verdict, "dump-tables").Status.Should().Be(CheckStatus.Fail);
        Check(verdict, "dump-tables").Detail.Should().Contain("public.migrations");
        Check(verdict, "dump-rows").Detail.Should().Contain("public.migrations: at least 1 rows expected, but the dump holds no countable data");
        Check(verdict, "tables").Status.Should().Be(CheckStatus.NotRun);
    }

    [Fact]
    public async Task Smoke_query_returning_false_fails_its_check()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        var expectations = VerificationExpectations.Default with
        {
            SmokeQueries = [new("has-users", "SELECT count(*) > 0 FROM public.users"), new("no-admin", "SELECT EXISTS (SELECT 1 FROM public.users WHERE name = 'admin')")],
        };

        var verdict = await VerifyOneAsync(dump, Local(expectations));

        Check(verdict, "smoke:has-users").Passed.Should().BeTrue();
        Check(verdict, "smoke:no-admin").Passed.Should().BeFalse();
        Check(verdict, "smoke:no-admin").Detail.Should().Contain("returned False instead of true");
        verdict.Healthy.Should().BeFalse();
    }

    [Fact]
    public async Task Sequence_behind_its_table_without_a_manifest_is_a_warning_on_a_healthy_dump()
    {
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "SELECT setval('public.users_id_seq', 3)");
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));

        var verdict = await VerifyOneAsync(dump, Local());

        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures));
        Check(verdict, "sequences").Status.Should().Be(CheckStatus.Warn);
        Check(verdict, "sequences").Detail.Should().Contain("public.users.id").And.Contain("is at 3").And.Contain("reaches 25").And.Contain("no manifest");
    }

    [Fact]
    public async Task Sequence_behind_its_column_in_the_source_too_is_a_warning_when_the_manifest_records_it()
    {
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "SELECT setval('public.users_id_seq', 3)");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var backup = await BackupRunner.RunAsync(Backup.BackupTestSupport.Settings(fixture, database, _dir.Path), timeout.Token);

        var verdict = await VerifyOneAsync(backup.DumpPath, Local());

        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures));
        Check(verdict, "sequences").Status.Should().Be(CheckStatus.Warn);
        Check(verdict, "sequences").Detail.Should().Contain("public.users.id").And.Contain("is at 3").And.Contain("the source's sequences were so too");
    }

    [Fact]
    public async Task A_sequence_restored_behind_the_source_state_in_the_manifest_fails_naming_both()
    {
        var database = await fixture.CreateDatabaseAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var backup = await BackupRunner.RunAsync(Backup.BackupTestSupport.Settings(fixture, database, _dir.Path), timeout.Token);
        var manifestPath = BackupFileName.ManifestPathFor(backup.DumpPath);
        var manifest = BackupManifest.FromJson(await File.ReadAllTextAsync(manifestPath), manifestPath);
        var ahead = manifest with { Sequences = manifest.Sequences!.Select(q => q.Name == "users_id_seq" ? q with { LastValue = 500, IsCalled = true } : q).ToList() };
        await File.WriteAllTextAsync(manifestPath, ahead.ToJson());

        var verdict = await VerifyOneAsync(backup.DumpPath, Local());

        verdict.Healthy.Should().BeFalse();
        Check(verdict, "sequences").Status.Should().Be(CheckStatus.Fail);
        Check(verdict, "sequences").Detail.Should().Contain("public.users_id_seq: restored at 25, behind the source's 500");
    }

    [Fact]
    public async Task Sequences_recorded_by_the_backup_pass_when_restored_as_the_source_had_them()
    {
        var database = await fixture.CreateDatabaseAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var backup = await BackupRunner.RunAsync(Backup.BackupTestSupport.Settings(fixture, database, _dir.Path), timeout.Token);

        var verdict = await VerifyOneAsync(backup.DumpPath, Local());

        Check(verdict, "sequences").Should().Match<CheckResult>(c => c.Status == CheckStatus.Pass && c.Detail.Contains("at or past the manifest's state"));
    }

    [Fact]
    public async Task Restore_over_budget_fails_the_restore_time_check()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));

        var verdict = await VerifyOneAsync(dump, Local(VerificationExpectations.Default with { RestoreBudgetSeconds = 0.001 }));

        Check(verdict, "restore-time").Passed.Should().BeFalse();
        Check(verdict, "restore-time").Detail.Should().Contain("over the budget of 0.001 s");
    }

    [Fact]
    public async Task Large_row_drop_since_the_last_healthy_verification_fails_and_the_ledger_keeps_the_healthy_one()
    {
        var database = await fixture.CreateDatabaseAsync();
        var first = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await fixture.ExecuteAsync(database, "DELETE FROM public.images WHERE id > 3");
        var second = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(2)));

        var report = await VerifyAsync([first, second], Local(ledger: _dir.Path));

        report.Dumps[0].Healthy.Should().BeTrue(string.Join("; ", report.Dumps[0].Failures));
        var drop = Check(report.Dumps[1], "row-drop");
        drop.Passed.Should().BeFalse();
        drop.Detail.Should().Contain("public.images: 137 → 3 rows since the last verified backup");
        var entries = await VerificationLedger.ReadAsync(_dir.Path);
        entries.Select(e => (e.File, e.Healthy)).Should().Equal((TestDumps.BackupName(1), true), (TestDumps.BackupName(2), false));
        entries[0].Tables["public.images"].Should().Be(137);
        entries[0].Sha256.Should().HaveLength(64);
        (await VerificationLedger.NewestHealthyAsync(_dir.Path))!.File.Should().Be(TestDumps.BackupName(1));
    }

    [Fact]
    public async Task Many_dumps_are_verified_on_one_server_each_in_a_database_dropped_afterwards()
    {
        var database = await fixture.CreateDatabaseAsync();
        var good = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        var empty = _dir.Combine(TestDumps.BackupName(2));
        await File.WriteAllBytesAsync(empty, []);
        var again = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(3)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await using var verifier = await DumpVerifier.CreateAsync(Local(), timeout.Token);

        var verdicts = new List<DumpVerdict>();
        foreach (var dump in new[] { good, empty, again })
        {
            verdicts.Add(await verifier.VerifyDumpAsync(dump, cancellationToken: timeout.Token));
        }

        verdicts.Select(v => v.Healthy).Should().Equal(true, false, true);
        await using var connection = new Npgsql.NpgsqlConnection(verifier.Server.ConnectionString("postgres"));
        await connection.OpenAsync(timeout.Token);
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname LIKE 'verify\\_%'", connection);
        ((long)(await command.ExecuteScalarAsync(timeout.Token))!).Should().Be(0);
        verifier.Notes[0].Should().StartWith("engine: local");
    }

    [Fact]
    public async Task Extension_versions_differing_from_the_manifest_fail_naming_both_versions()
    {
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump, m => m with
        {
            Extensions = m.Extensions.Select(e => e.Name == "citext" ? e with { Version = "0.9" } : e).ToList(),
        });

        var verdict = await VerifyOneAsync(dump, Local());

        Check(verdict, "extension-versions").Passed.Should().BeFalse();
        Check(verdict, "extension-versions").Detail.Should().MatchRegex(@"citext: production has 0\.9, the restore has \d+\.\d+");
    }

    [Fact]
    public async Task Extension_missing_from_the_target_fails_before_the_restore_naming_it()
    {
        // A real extension installed only while the source is dumped, then removed, so the target lacks it.
        var share = PortfolioBackup.Tools.ToolRunner.RunSync(fixture.Server.Binaries.PathOf("pg_config"), ["--sharedir"]).Trim();
        var name = $"pb_probe_{Guid.NewGuid():N}"[..20];
        var control = Path.Combine(share, "extension", $"{name}.control");
        var script = Path.Combine(share, "extension", $"{name}--1.0.sql");
        var database = await fixture.CreateDatabaseAsync();
        string dump;
        try
        {
            await File.WriteAllTextAsync(control, "default_version = '1.0'\nrelocatable = true\n");
            await File.WriteAllTextAsync(script, $"CREATE FUNCTION {name}_one() RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
            await fixture.ExecuteAsync(database, $"CREATE EXTENSION {name}");
            dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        }
        finally
        {
            File.Delete(control);
            File.Delete(script);
        }

        var verdict = await VerifyOneAsync(dump, Local());

        verdict.Healthy.Should().BeFalse();
        Check(verdict, "target").Status.Should().Be(CheckStatus.Fail);
        Check(verdict, "target").Detail.Should().Contain($"needs extension {name}, not available on the target");
        Check(verdict, "restore").Status.Should().Be(CheckStatus.NotRun);
    }

    private static async Task PretendWrittenByPgDump17Async(string dump)
    {
        var probe = await PortfolioBackup.Archive.DumpProbe.ProbeAsync(dump);
        var version = System.Text.Encoding.UTF8.GetBytes(probe.Header!.PgDumpVersion!);
        var bytes = await File.ReadAllBytesAsync(dump);
        var at = bytes.AsSpan(0, (int)probe.Header.Length).LastIndexOf(version);
        at.Should().BePositive();
        bytes[at] = (byte)'1';
        bytes[at + 1] = (byte)'7';
        await File.WriteAllBytesAsync(dump, bytes);
    }

    private static CheckResult Check(DumpVerdict verdict, string name) => verdict.Checks.Single(c => c.Name == name);

    private static async Task<DumpVerdict> VerifyOneAsync(string dump, VerificationOptions options) =>
        (await VerifyAsync([dump], options)).Dumps.Single();

    private static async Task<VerificationReport> VerifyAsync(IReadOnlyList<string> dumps, VerificationOptions options)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        return await DumpVerifier.VerifyAsync(dumps, options, cancellationToken: timeout.Token);
    }
}
