using CliWrap.Buffered;
using Npgsql;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Engines;

/// <summary>The container engine's server is reachable from this machine only, and only with the run's password.</summary>
public sealed class ContainerSecurityTests(Postgres15ContainerFixture container) : IClassFixture<Postgres15ContainerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Published_port_is_bound_to_loopback_only()
    {
        using var timeout = new CancellationTokenSource(Timeout);

        var ports = await CliWrap.Cli.Wrap("docker").WithArguments(["port", container.Server.ContainerId, "5432/tcp"]).ExecuteBufferedAsync(timeout.Token);

        var bindings = ports.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bindings.Should().NotBeEmpty().And.OnlyContain(b => b.StartsWith("127.0.0.1:", StringComparison.Ordinal), "nothing but this machine may reach the restored data");
    }

    [Fact]
    public async Task A_wrong_password_is_refused()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(container.Server.ConnectionString("postgres")) { Password = "wrong" }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);

        var act = async () => await connection.OpenAsync();

        await act.Should().ThrowAsync<PostgresException>().Where(e => e.SqlState == "28P01");
    }

    [Fact]
    public async Task No_network_connection_is_trusted_inside_the_container()
    {
        using var timeout = new CancellationTokenSource(Timeout);

        var hba = await container.Server.RunToolAsync("psql", ["-d", "postgres", "-Atc", "SELECT type || ' ' || auth_method FROM pg_hba_file_rules"], timeout.Token);

        hba.Succeeded.Should().BeTrue(hba.StandardError);
        hba.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(r => r.StartsWith("host", StringComparison.Ordinal))
            .Should().NotBeEmpty().And.OnlyContain(r => r.EndsWith("scram-sha-256", StringComparison.Ordinal));
    }
}
