using Npgsql;
using PortfolioBackup.Backup;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Backup;

/// <summary>A server newer than the local pg_dump (postgres:17 in Docker against local PostgreSQL 15 programs).</summary>
public sealed class PgDumpVersionTests
{
    [Fact]
    public async Task Backup_of_a_server_newer_than_the_local_pg_dump_fails_naming_both_versions_and_leaves_no_file()
    {
        // Arrange
        var localMajor = PgBinaries.Discover().MajorVersion;
        localMajor.Should().BeLessThan(17, "this test needs local pg_dump programs older than the postgres:17 image");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var password = "pw-" + Guid.NewGuid().ToString("N")[..10];
        var container = (await Docker(timeout.Token, new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = password }, "run", "-d", "--rm", "-e", "POSTGRES_PASSWORD", "-p", "127.0.0.1::5432", "postgres:17")).Trim();
        try
        {
            var portLine = await Docker(timeout.Token, null, "port", container, "5432/tcp");
            var port = int.Parse(portLine.Trim().Split('\n')[0].Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
            var connection = new ConnectionSettings { Host = "127.0.0.1", Port = port, User = "postgres", Database = "postgres", Password = password };
            await WaitUntilReadyAsync(connection, timeout.Token);
            using var temp = new TempDirectory();

            // Act
            var act = () => BackupRunner.RunAsync(new BackupSettings { BackupDirectory = temp.Combine("backups"), Connection = connection }, timeout.Token);

            // Assert
            var ex = (await act.Should().ThrowAsync<PgDumpTooOldException>()).Which;
            ex.PgDumpMajor.Should().Be(localMajor);
            ex.ServerMajor.Should().Be(17);
            ex.Message.Should().Contain($"PostgreSQL {localMajor}").And.Contain("PostgreSQL 17.").And.NotContain(password);
            Directory.Exists(temp.Combine("backups")).Should().BeFalse();
        }
        finally
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Docker(cleanup.Token, null, "rm", "-f", container);
        }
    }

    private static async Task<string> Docker(CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        // The container's password travels in docker's environment ('-e NAME' without a value), never in argv.
        var result = await ToolRunner.RunCheckedAsync(
            new ToolInvocation("docker", arguments) { Environment = environment ?? new Dictionary<string, string?>() }, cancellationToken);
        return result.StandardOutput;
    }

    private static async Task WaitUntilReadyAsync(ConnectionSettings connection, CancellationToken cancellationToken)
    {
        // The image's init phase listens on the Unix socket only, so a TCP query succeeding means the final server is up.
        while (true)
        {
            try
            {
                await using var db = new NpgsqlConnection(connection.NpgsqlConnectionString());
                await db.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException)
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }
}
