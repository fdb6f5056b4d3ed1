using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Verification;

/// <summary><c>verify --shard</c> against real dumps: each shard restores exactly its slice.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ShardedVerifyTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Each_shard_verifies_only_its_dumps()
    {
        var database = await fixture.CreateDatabaseAsync();
        var first = await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        foreach (var minute in new[] { 2, 3 })
        {
            File.Copy(first, _dir.Combine(TestDumps.BackupName(minute)));
        }

        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local", "--jobs", "1", "--shard", "2/3");

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain($"{TestDumps.BackupName(2)}: healthy").And.Contain("1 of 1 dump(s) healthy").And.Contain("shard 2/3: 1 of 3 dump(s)");
        run.Output.Should().NotContain(TestDumps.BackupName(1) + ":").And.NotContain(TestDumps.BackupName(3) + ":");
    }
}
