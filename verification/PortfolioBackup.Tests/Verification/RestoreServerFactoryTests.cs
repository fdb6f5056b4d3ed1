using PortfolioBackup.Configuration;
using PortfolioBackup.Engines;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Verification;

public sealed class RestoreServerFactoryTests
{
    private static readonly IReadOnlyDictionary<string, string?> Environment = EnvironmentVariables.Current();

    [Fact]
    public async Task Local_engine_refuses_a_production_image_of_another_major()
    {
        var installed = PgBinaries.Discover().MajorVersion;
        var image = $"postgres:{installed + 2}";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var act = () => RestoreServerFactory.StartAsync(new RestoreServerOptions { Engine = RestoreEngine.Local, Image = image }, Environment, timeout.Token);

        var error = (await act.Should().ThrowAsync<VersionMismatchException>()).Which;
        error.Message.Should().Contain(image).And.Contain($"PostgreSQL {installed + 2}").And.Contain($"PostgreSQL {installed}").And.Contain("--allow-version-mismatch");
    }

    [Fact]
    public async Task Local_engine_runs_another_major_when_the_mismatch_is_allowed_and_says_so()
    {
        var installed = PgBinaries.Discover().MajorVersion;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        await using var started = await RestoreServerFactory.StartAsync(
            new RestoreServerOptions { Engine = RestoreEngine.Local, Image = $"postgres:{installed + 2}", AllowVersionMismatch = true }, Environment, timeout.Token);

        started.Server.MajorVersion.Should().Be(installed);
        started.Server.EngineName.Should().Be("local");
        started.Notes.Should().Contain(n => n.Contains("version mismatch allowed") && n.Contains($"PostgreSQL {installed + 2}"));
    }

    [Fact]
    public async Task Local_engine_uses_the_binaries_of_the_production_major()
    {
        var installed = PgBinaries.Discover().MajorVersion;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        await using var started = await RestoreServerFactory.StartAsync(
            new RestoreServerOptions { Engine = RestoreEngine.Local, Image = $"postgres:{installed}-alpine" }, Environment, timeout.Token);

        started.Server.MajorVersion.Should().Be(installed);
        started.Server.ServerVersion.Should().StartWith($"{installed}.");
        started.Decision.Should().Be("engine: local (chosen with --engine local)");
    }

    [Fact]
    public async Task Container_engine_without_any_image_is_a_configuration_error()
    {
        var options = new RestoreServerOptions
        {
            Engine = RestoreEngine.Container,
            Compose = new PortfolioBackup.Compose.ComposeOptions { Files = [Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.yml")] },
        };

        var act = () => RestoreServerFactory.StartAsync(options, Environment);

        (await act.Should().ThrowAsync<ConfigurationException>()).Which.Message.Should().Contain("--engine container").And.Contain("--image");
    }
}
