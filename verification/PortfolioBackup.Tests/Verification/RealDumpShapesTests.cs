using PortfolioBackup.Backup;
using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

/// <summary>Faithful dumps of real databases, made the ways operators make them, are healthy; names are compared exactly.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RealDumpShapesTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_dump_of_schema_public_made_with_n_public_is_healthy_as_the_restore_command_restores_it()
    {
        // Arrange: -n public makes pg_dump emit CREATE SCHEMA public, which a plain restore into a fresh database rejects.
        // (The seed's extensions are left out: -n leaves out extensions too, which a fresh database cannot supply.)
        var database = await fixture.CreateDatabaseAsync(seeded: false);
        await fixture.ExecuteAsync(database, PortfolioTablesSql);
        var dump = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)), ["-Fc", "-n", "public"]);

        // Act
        var verdict = await VerifyOneAsync(dump, VerificationExpectations.Default);

        // Assert
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}")));
        verdict.Tables.Should().Contain(t => t.Schema == "public" && t.Name == "users" && t.Rows == 2);
    }

    [Theory]
    [InlineData("--inserts")]
    [InlineData("--column-inserts")]
    [InlineData("--rows-per-insert=7")]
    [InlineData("--compress=0")]
    [InlineData("--compress=9")]
    [InlineData("--quote-all-identifiers")]
    [InlineData("--load-via-partition-root")]
    [InlineData("--no-comments")]
    [InlineData("--no-tablespaces")]
    [InlineData("--disable-dollar-quoting")]
    [InlineData("--serializable-deferrable")]
    [InlineData("--blobs")]
    [InlineData("--no-owner")]
    [InlineData("--no-privileges")]
    public async Task A_custom_format_dump_made_with_an_operators_pg_dump_option_is_healthy(string option)
    {
        // Arrange: the seed's partitions, inheritance, unicode names and extensions, plus a large object.
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "SELECT lo_from_bytea(0, '\\x00ff0a0d'::bytea)");
        var dump = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)), ["-Fc", option]);

        // Act
        var verdict = await VerifyOneAsync(dump, VerificationExpectations.Default);

        // Assert
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}")));
        verdict.Tables.Should().Contain(t => t.Schema == "public" && t.Name == "images" && t.Rows == 137);
    }

    [Fact]
    public async Task An_app_whose_images_have_no_user_id_column_is_healthy_under_the_built_in_expectations()
    {
        // Arrange: the built-in expectations assume only what the app is known to have.
        var database = await fixture.CreateDatabaseAsync(seeded: false);
        await fixture.ExecuteAsync(database, PortfolioTablesSql);
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));

        // Act
        var verdict = await VerifyOneAsync(dump, VerificationExpectations.Default);

        // Assert
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}")));
        verdict.Checks.Should().NotContain(c => c.Name.StartsWith("smoke:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dotted_schema_and_a_dotted_table_name_stay_two_tables_with_their_own_counts()
    {
        // Arrange: "a.b".c and a."b.c" were one key as "schema.name" strings.
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, """
            CREATE SCHEMA "a.b"; CREATE SCHEMA a;
            CREATE TABLE "a.b".c (id int); CREATE TABLE a."b.c" (id int);
            INSERT INTO "a.b".c SELECT generate_series(1, 3); INSERT INTO a."b.c" SELECT generate_series(1, 5);
            """);
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);

        // Act
        var verdict = await VerifyOneAsync(dump, VerificationExpectations.Default with { RequiredTables = ["public.users", "\"a.b\".c", "a.\"b.c\""] });

        // Assert
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}")));
        verdict.Tables.Single(t => t.Schema == "a.b" && t.Name == "c").Rows.Should().Be(3);
        verdict.Tables.Single(t => t.Schema == "a" && t.Name == "b.c").Rows.Should().Be(5);
        verdict.Tables.Select(t => t.QualifiedName).Should().Contain(["\"a.b\".c", "a.\"b.c\""]);
    }

    [Fact]
    public async Task A_manifest_listing_a_table_twice_is_an_unhealthy_verdict_naming_it_not_a_crash()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump, m => m with { Tables = [.. m.Tables!, new TableRowCount("public", "users", 25)] });

        // Act
        var verdict = await VerifyOneAsync(dump, VerificationExpectations.Default);

        // Assert
        verdict.Healthy.Should().BeFalse();
        verdict.Checks.Single(c => c.Name == "dump-rows").Detail.Should().Contain("public.users: listed more than once in the manifest");
    }

    [Fact]
    public async Task The_quick_tier_fails_a_dump_without_a_required_table()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, "DROP TABLE public.migrations");
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);

        // Act
        var verdict = await QuickVerifier.VerifyDumpAsync(dump, new QuickVerificationOptions());

        // Assert
        verdict.Healthy.Should().BeFalse();
        verdict.Failures.Should().ContainSingle().Which.Should().Be(CheckResult.Fail("dump-tables", "required table not in the dump: public.migrations"));
    }

    [Fact]
    public async Task Domains_with_a_NOT_VALID_and_a_commented_constraint_verify_healthy_and_restore_into_a_new_database()
    {
        // Arrange: the shapes of PostgreSQL's regression database that --clean broke on a fresh database, where
        // "ALTER DOMAIN d DROP CONSTRAINT IF EXISTS c" fails because the domain itself does not exist yet.
        var database = await fixture.CreateDatabaseAsync();
        await fixture.ExecuteAsync(database, """
            CREATE DOMAIN constraint_comments_dom AS int CONSTRAINT the_constraint CHECK (value > 0);
            COMMENT ON CONSTRAINT the_constraint ON DOMAIN constraint_comments_dom IS 'yes, another constraint comment';
            CREATE DOMAIN not_valid_dom AS int;
            CREATE TABLE domain_users (a constraint_comments_dom, b not_valid_dom);
            INSERT INTO domain_users VALUES (1, -1), (2, 5);
            ALTER DOMAIN not_valid_dom ADD CONSTRAINT positive CHECK (value > 0) NOT VALID;
            """);
        var dump = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        await TestDumps.WriteManifestAsync(fixture, database, dump);
        var target = "restored_" + Guid.NewGuid().ToString("N")[..8];

        // Act
        var verdict = await VerifyOneAsync(dump, VerificationExpectations.Default);
        var restore = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "restore", dump, "--target-db", target, "--yes", "--no-safety-backup");

        // Assert
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}")));
        verdict.Tables.Should().Contain(t => t.Name == "domain_users" && t.Rows == 2);
        restore.ExitCode.Should().Be(0, restore.AllOutput);
        restore.Output.Should().Contain("row counts: all 11 tables match the manifest");
    }

    [Fact]
    public async Task A_dump_made_with_n_public_restores_into_a_new_database_the_restore_creates()
    {
        var database = await fixture.CreateDatabaseAsync(seeded: false);
        await fixture.ExecuteAsync(database, PortfolioTablesSql);
        var dump = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)), ["-Fc", "-n", "public"]);
        var target = "restored_" + Guid.NewGuid().ToString("N")[..8];

        var restore = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "restore", dump, "--target-db", target, "--yes", "--no-safety-backup");

        restore.ExitCode.Should().Be(0, restore.AllOutput);
        await using var connection = await fixture.Server.OpenConnectionAsync(target);
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM public.users", connection);
        ((long)(await count.ExecuteScalarAsync())!).Should().Be(2);
    }

    [Fact]
    public async Task A_data_only_dump_is_intact_in_the_quick_tier_and_its_full_verdict_says_it_needs_the_schema()
    {
        // Arrange: pg_dump --data-only keeps each data entry's dependency on a table definition it leaves out.
        var database = await fixture.CreateDatabaseAsync();
        var dump = await TestDumps.DumpWithOptionsAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)), ["-Fc", "--data-only"]);

        // Act
        var quick = await QuickVerifier.VerifyDumpAsync(dump, new QuickVerificationOptions());
        var full = await VerifyOneAsync(dump, VerificationExpectations.Default);
        var inspect = await CliRunner.RunAsync(new Dictionary<string, string?>(), "inspect", dump);

        // Assert
        quick.Healthy.Should().BeTrue(string.Join("; ", quick.Failures.Select(f => $"{f.Name}: {f.Detail}")));
        quick.Checks.Single(c => c.Name == "toc").Detail.Should().Contain("a data-only dump (pg_dump --data-only): it holds no schema");
        full.Healthy.Should().BeFalse();
        full.Checks.Single(c => c.Name == "restore").Detail.Should().Contain("cannot restore into an empty database");
        inspect.ExitCode.Should().Be(0, inspect.AllOutput);
        inspect.Output.Should().Contain("verdict:         complete").And.Contain("content:         data only").And.NotContain("inconsistent");
    }

    /// <summary>The app's three tables, with an images table that has no user_id column.</summary>
    private const string PortfolioTablesSql = """
        CREATE TABLE public.users (id bigserial PRIMARY KEY, email text NOT NULL);
        CREATE TABLE public.images (id bigserial PRIMARY KEY, owner_email text NOT NULL, url text NOT NULL);
        CREATE TABLE public.migrations (id serial PRIMARY KEY, name text NOT NULL);
        INSERT INTO public.users (email) VALUES ('a@example.com'), ('b@example.com');
        INSERT INTO public.images (owner_email, url) VALUES ('a@example.com', 'https://cdn.example.com/1.jpg');
        INSERT INTO public.migrations (name) VALUES ('0001_init');
        """;

    private static async Task<DumpVerdict> VerifyOneAsync(string dump, VerificationExpectations expectations)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var options = new VerificationOptions { Server = new RestoreServerOptions { Engine = RestoreEngine.Local }, Expectations = expectations, Jobs = 2 };
        return (await DumpVerifier.VerifyAsync([dump], options, cancellationToken: timeout.Token)).Dumps.Single();
    }
}
