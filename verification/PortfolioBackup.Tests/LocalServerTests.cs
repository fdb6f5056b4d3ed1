using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests;

[Collection(PostgresCollection.Name)]
public sealed class LocalServerTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Seeded_database_holds_the_expected_rows_in_every_physical_table()
    {
        var database = await fixture.CreateDatabaseAsync();

        foreach (var (table, expected) in PostgresServerFixture.SeedRowCounts)
        {
            var parts = table.Split('.', 2);
            var count = await fixture.ScalarAsync<long>(database, $"SELECT count(*) FROM ONLY \"{parts[0]}\".\"{parts[1]}\"");
            count.Should().Be(expected, $"the seed puts {expected} rows in {table}");
        }
    }

    [Fact]
    public async Task Disposed_server_leaves_no_files_behind()
    {
        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions());
        var root = server.RootDirectory;
        Directory.Exists(root).Should().BeTrue();

        await server.DisposeAsync();

        Directory.Exists(root).Should().BeFalse();
    }

    [Fact]
    public async Task Server_refuses_a_wrong_password_over_tcp()
    {
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(fixture.Server.ConnectionString()) { Password = "wrong" }.ConnectionString;
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);

        var act = async () => await connection.OpenAsync();

        await act.Should().ThrowAsync<Npgsql.PostgresException>().Where(e => e.SqlState == "28P01");
    }
}
