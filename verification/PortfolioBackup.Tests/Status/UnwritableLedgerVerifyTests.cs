using PortfolioBackup.Catalog;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tests.Verification;

namespace PortfolioBackup.Tests.Status;

/// <summary><c>verify</c> with a ledger it cannot write: the verdict is still printed and decides the exit code.</summary>
[Collection(PostgresCollection.Name)]
public sealed class UnwritableLedgerVerifyTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_healthy_dump_stays_healthy_with_exit_0_when_the_ledger_cannot_be_written()
    {
        // Arrange: a directory where the ledger should be cannot be appended to, even by root.
        var database = await fixture.CreateDatabaseAsync();
        await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        Directory.CreateDirectory(VerificationLedger.PathIn(_dir.Path));

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, _dir.Path), "verify", "--engine", "local", _dir.Combine(TestDumps.BackupName(1)));

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain($"{TestDumps.BackupName(1)}: healthy").And.Contain("  warning: ").And.Contain("verification-ledger.jsonl");
    }
}
