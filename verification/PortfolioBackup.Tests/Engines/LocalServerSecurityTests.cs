using System.Globalization;
using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Lifetime;

namespace PortfolioBackup.Tests.Engines;

/// <summary>The throwaway server holds production rows: no other local user gets in, and it knows none of our secrets.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LocalServerSecurityTests(PostgresServerFixture fixture) : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Another_local_user_can_connect_neither_over_tcp_nor_through_the_socket()
    {
        await using var server = await StartAsync();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        var psql = server.Binaries.PathOf("psql");

        var overTcp = await ProcFs.RunAsNobodyAsync(psql, "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres", "-Atc", "SELECT 'inside'");
        var overSocket = await ProcFs.RunAsNobodyAsync(psql, "-h", server.SocketDirectory, "-p", port, "-U", "postgres", "-d", "postgres", "-Atc", "SELECT 'inside'");

        overTcp.Should().NotContain("inside").And.NotStartWith("exit 0");
        overSocket.Should().NotContain("inside").And.NotStartWith("exit 0");
    }

    [Fact]
    public async Task We_still_reach_the_server_and_its_tools_do_too()
    {
        await using var server = await LocalRestoreServer.StartAsync(new LocalServerOptions());

        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync();
        var psql = await server.RunToolAsync("psql", ["-d", "postgres", "-Atc", "SELECT current_user"]);

        connection.State.Should().Be(System.Data.ConnectionState.Open);
        psql.StandardOutput.Trim().Should().Be("postgres", psql.StandardError);
    }

    [Fact]
    public async Task Data_and_socket_folders_are_private_to_the_server_account()
    {
        await using var server = await StartAsync();

        File.GetUnixFileMode(server.DataDirectory).Should().Be(OwnerOnly);
        File.GetUnixFileMode(server.SocketDirectory).Should().Be(OwnerOnly);
        File.GetUnixFileMode(server.RootDirectory).Should().Be(OwnerOnly);
    }

    [Fact]
    public async Task Server_environment_holds_only_path_locale_time_zone_home_and_the_owner_mark()
    {
        await using var server = await StartAsync();
        var postmaster = int.Parse(File.ReadLines(Path.Combine(server.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);

        var names = ProcFs.Environment(postmaster).Select(v => v.Split('=', 2)[0]).ToList();

        names.Should().NotBeEmpty().And.OnlyContain(
            n => n == "PATH" || n == "LANG" || n == "LANGUAGE" || n.StartsWith("LC_", StringComparison.Ordinal) || n == "TZ" || n == "HOME" || n == "PORTFOLIO_BACKUP_OWNER",
            "the server inherits nothing else of ours");
    }

    [Fact]
    public async Task Verify_with_secrets_in_its_environment_starts_a_server_that_has_none_of_them()
    {
        var database = await SlowDump.DatabaseAsync(fixture);
        await SlowDump.DumpIntoAsync(fixture, _dir.Path);
        var environment = fixture.CliEnvironment(database, _dir.Path);
        environment["PGPASSWORD"] = fixture.Password;
        environment["AWS_SECRET_ACCESS_KEY"] = "aws-secret-of-the-test";
        environment["DOPPLER_TOKEN"] = "doppler-token-of-the-test";
        await using var cli = CliProcess.Start(environment, "verify", "--engine", "local");

        var postmaster = await ProcFs.WaitForDescendantAsync(cli.ProcessId, "bin/postgres -D ", TimeSpan.FromSeconds(60));
        var serverEnvironment = postmaster is { } pid ? string.Join("\n", ProcFs.Environment(pid)) : null;
        var exitCode = await cli.WaitAsync();

        serverEnvironment.Should().NotBeNull("verify starts a throwaway postgres; output: " + cli.Output);
        serverEnvironment.Should().NotContain("DB_PASSWORD").And.NotContain("PGPASSWORD").And.NotContain("AWS_").And.NotContain("DOPPLER_")
            .And.NotContain(fixture.Password);
        exitCode.Should().Be(0, cli.Output);
    }

    [Fact]
    public async Task A_cluster_cache_folder_others_can_write_to_is_never_used()
    {
        var cache = _dir.Combine("cache");
        Directory.CreateDirectory(cache);
        File.SetUnixFileMode(cache, (UnixFileMode)0b111_111_111);

        await using (var server = await LocalPostgresServer.StartAsync(new LocalServerOptions { ParentDirectory = _dir.Path, PristineCacheDirectory = cache }))
        {
            (await server.OpenConnectionAsync()).Dispose();
        }

        Directory.EnumerateFileSystemEntries(cache).Should().BeEmpty("another user could have planted a cluster (and its settings) there");
    }

    private Task<LocalPostgresServer> StartAsync() => LocalPostgresServer.StartAsync(new LocalServerOptions { ParentDirectory = _dir.Path });
}
