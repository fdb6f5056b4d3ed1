using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Compose;

/// <summary>A report path into a missing folder and an image reference Docker would refuse are usage errors (exit 2), not crashes.</summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string?> Environment(params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = System.Environment.GetEnvironmentVariable("HOME"),
        };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }

    [Fact]
    public async Task A_report_into_a_missing_folder_is_a_usage_error_naming_the_folder()
    {
        var dump = await RandomDumpAsync();
        var missing = _dir.Combine("no-such-folder");

        var run = await RunAsync(Environment(), "verify", "--quick", "--report", Path.Combine(missing, "report.json"), dump);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain(missing).And.Contain("does not exist");
    }

    [Fact]
    public async Task A_report_path_that_is_a_folder_is_a_usage_error()
    {
        var dump = await RandomDumpAsync();

        var run = await RunAsync(Environment(), "verify", "--quick", "--report", _dir.Path, dump);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain(_dir.Path).And.Contain("is a folder");
    }

    [Theory]
    [InlineData("UPPER/Case:tag", "invalid image reference")]
    [InlineData("postgres:15 extra", "invalid image reference")]
    [InlineData("postgres:", "its tag after ':' is empty")]
    [InlineData("", "it is empty")]
    public async Task An_invalid_image_option_is_a_usage_error_with_the_reason(string image, string reason)
    {
        var dump = await RandomDumpAsync();

        var run = await RunAsync(Environment(), "verify", "--engine", "container", "--image", image, dump);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain(reason);
    }

    [Theory]
    [InlineData("15 extra")]
    [InlineData("15@latest")]
    public async Task An_image_that_compose_interpolation_makes_invalid_is_a_usage_error(string tag)
    {
        var dump = await RandomDumpAsync();
        var compose = _dir.Combine("compose.yaml");
        await File.WriteAllTextAsync(compose, "services:\n  db:\n    image: postgres:${PG_TAG}\n");

        var run = await RunAsync(Environment(("PG_TAG", tag)), "verify", "--engine", "container", "--compose-file", compose, dump);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("invalid image reference").And.Contain($"postgres:{tag}").And.Contain(compose);
    }

    [Fact]
    public async Task An_unset_variable_that_empties_the_compose_image_is_a_usage_error_not_a_silent_fallback()
    {
        var dump = await RandomDumpAsync();
        var compose = _dir.Combine("compose.yaml");
        await File.WriteAllTextAsync(compose, "services:\n  db:\n    image: postgres:${MISSING}\n");

        var run = await RunAsync(Environment(), "verify", "--compose-file", compose, dump);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain("MISSING is not set").And.Contain(compose);
    }

    private static async Task<CliRun> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await CliRunner.RunAsync(environment, timeout.Token, args);
    }

    private async Task<string> RandomDumpAsync()
    {
        var path = _dir.Combine("backup_20250101_000000.dump");
        await File.WriteAllBytesAsync(path, [.. "PGDMP"u8, 1, 99, 0]);
        return path;
    }
}
