using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Verification;

/// <summary>Without a Docker daemon, auto falls back to the local engine and says so; the container engine fails clearly.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EngineFallbackTests(PostgresServerFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Auto_engine_without_docker_verifies_on_the_local_engine_and_says_why()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        var env = WithoutDocker(fixture.CliEnvironment(database, _dir.Path));

        // Act
        var run = await CliRunner.RunAsync(env, "verify", "--engine", "auto", "--image", "postgres:15");

        // Assert
        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("engine: local (Docker not available: ").And.Contain("1 of 1 dump(s) healthy");
    }

    [Fact]
    public async Task Container_engine_without_docker_fails_clearly_and_verifies_nothing()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await TestDumps.DumpAsync(fixture, database, _dir.Combine(TestDumps.BackupName(1)));
        var env = WithoutDocker(fixture.CliEnvironment(database, _dir.Path));

        // Act
        var run = await CliRunner.RunAsync(env, "verify", "--engine", "container", "--image", "postgres:15");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain("'--engine container' needs Docker, which does not answer").And.Contain("use '--engine local'");
        File.Exists(_dir.Combine("verification-ledger.jsonl")).Should().BeFalse("nothing was verified");
    }

    private Dictionary<string, string?> WithoutDocker(Dictionary<string, string?> env)
    {
        // A socket path where no daemon listens: the real "Docker is not running" situation on this machine.
        env["DOCKER_HOST"] = "unix://" + _dir.Combine("no-docker.sock");
        return env;
    }
}
