using Npgsql;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Engines;

/// <summary>What a running container of a PostgreSQL image offers: version, its own tools, dumps mapped or copied in, restore tuning.</summary>
public abstract class ContainerRestoreServerTests(PostgresServerFixture postgres, ContainerServerFixture container, int expectedMajor)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void Server_reports_the_major_version_of_its_image()
    {
        container.Server.MajorVersion.Should().Be(expectedMajor);
        container.Server.ServerVersion.Should().StartWith($"{expectedMajor}.");
        container.Server.Image.Should().Be(container.Image);
        container.Server.EngineName.Should().Be("container");
    }

    [Fact]
    public async Task Tools_run_inside_the_container_with_the_images_own_version()
    {
        using var timeout = new CancellationTokenSource(Timeout);

        var result = await container.Server.RunToolAsync("pg_restore", ["--version"], timeout.Token);

        result.ExitCode.Should().Be(0);
        result.StandardOutput.Should().StartWith($"pg_restore (PostgreSQL) {expectedMajor}.");
    }

    [Fact]
    public async Task Dump_in_a_mounted_folder_is_restored_in_place()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var dump = await DumpSeededDatabaseAsync(container.MountedDirectory.Combine("seed.dump"), timeout.Token);

        var mapped = await container.Server.MapDumpAsync(dump, timeout.Token);
        var counts = await RestoreAndCountAsync(mapped, timeout.Token);

        mapped.Should().Be(dump);
        counts.Should().Equal(PostgresServerFixture.SeedRowCounts);
    }

    [Fact]
    public async Task Dump_outside_the_mounted_folders_is_copied_in_and_restored()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var elsewhere = new TempDirectory();
        var dump = await DumpSeededDatabaseAsync(elsewhere.Combine("seed.dump"), timeout.Token);

        var mapped = await container.Server.MapDumpAsync(dump, timeout.Token);
        var counts = await RestoreAndCountAsync(mapped, timeout.Token);

        mapped.Should().NotBe(dump).And.EndWith("/seed.dump");
        counts.Should().Equal(PostgresServerFixture.SeedRowCounts);
    }

    [Fact]
    public async Task Server_is_tuned_for_restore_and_keeps_its_data_on_tmpfs()
    {
        using var timeout = new CancellationTokenSource(Timeout);

        var settings = await container.Server.RunToolAsync(
            "psql",
            ["-d", "postgres", "-Atc", "SELECT concat_ws(',', current_setting('fsync'), current_setting('full_page_writes'), current_setting('synchronous_commit'), current_setting('wal_level'), current_setting('autovacuum'), current_setting('data_directory'))"],
            timeout.Token);
        var mounts = await container.Server.RunToolAsync("cat", ["/proc/mounts"], timeout.Token);

        settings.StandardOutput.Trim().Should().Be("off,off,off,minimal,off,/var/lib/postgresql/data");
        mounts.StandardOutput.Should().MatchRegex(@"(?m)^tmpfs /var/lib/postgresql/data tmpfs ");
    }

    [Fact]
    public async Task Password_never_appears_in_tool_results()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var password = new NpgsqlConnectionStringBuilder(container.Server.ConnectionString("postgres")).Password!;

        var result = await container.Server.RunToolAsync("env", [], timeout.Token);

        result.StandardOutput.Should().Contain("PGHOST=/var/run/postgresql").And.NotContain("PGPASSWORD").And.NotContain(password);
    }

    [Fact]
    public async Task Failing_tool_returns_its_exit_code_and_stderr()
    {
        using var timeout = new CancellationTokenSource(Timeout);

        var result = await container.Server.RunToolAsync("pg_restore", ["-l", "/nonexistent/file.dump"], timeout.Token);

        result.Succeeded.Should().BeFalse();
        result.ExitCode.Should().Be(1);
        result.StandardError.Should().Contain("/nonexistent/file.dump");
        result.Duration.Should().BePositive();
    }

    [Fact]
    public async Task Connection_string_reaches_the_server_from_this_machine()
    {
        await using var connection = new NpgsqlConnection(container.Server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int / 10000", connection);

        var major = (int)(await command.ExecuteScalarAsync())!;

        major.Should().Be(expectedMajor);
    }

    private async Task<string> DumpSeededDatabaseAsync(string path, CancellationToken cancellationToken)
    {
        var database = await postgres.CreateDatabaseAsync();
        var pgDump = new ToolInvocation(postgres.Server.Binaries.PathOf("pg_dump"), ["-Fc", "-f", path])
        {
            Environment = postgres.Server.ClientEnvironment(database),
        };
        await ToolRunner.RunCheckedAsync(pgDump, cancellationToken);
        return path;
    }

    private async Task<Dictionary<string, long>> RestoreAndCountAsync(string mappedDump, CancellationToken cancellationToken)
    {
        var target = "restored_" + Guid.NewGuid().ToString("N")[..8];
        var createdb = await container.Server.RunToolAsync("createdb", [target], cancellationToken);
        createdb.ExitCode.Should().Be(0, createdb.StandardError);
        var restore = await container.Server.RunToolAsync("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "-d", target, mappedDump], cancellationToken);
        restore.ExitCode.Should().Be(0, restore.StandardError);

        var counts = new Dictionary<string, long>();
        await using var connection = new NpgsqlConnection(container.Server.ConnectionString(target));
        await connection.OpenAsync(cancellationToken);
        foreach (var table in PostgresServerFixture.SeedRowCounts.Keys)
        {
            var parts = table.Split('.', 2);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM ONLY " + QuoteIdentifier(parts[0]) + "." + QuoteIdentifier(parts[1]), connection);
            counts[table] = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        return counts;
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

[Collection(PostgresCollection.Name)]
public sealed class Postgres15ContainerTests(PostgresServerFixture postgres, Postgres15ContainerFixture container)
    : ContainerRestoreServerTests(postgres, container, 15), IClassFixture<Postgres15ContainerFixture>;

[Collection(PostgresCollection.Name)]
public sealed class Postgres17ContainerTests(PostgresServerFixture postgres, Postgres17ContainerFixture container)
    : ContainerRestoreServerTests(postgres, container, 17), IClassFixture<Postgres17ContainerFixture>;
