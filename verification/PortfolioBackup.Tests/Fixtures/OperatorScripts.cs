using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>Runs scripts/db_backup/*.sh with a real bash, as an operator, cron or <c>doppler run --</c> would.</summary>
internal static class OperatorScripts
{
    public static readonly string RepositoryRoot = FindRepositoryRoot();

    /// <summary>Runs one script of scripts/db_backup; the first run builds the CLI or the suite, so the timeout allows a cold build.</summary>
    public static async Task<ToolResult> RunAsync(string script, IReadOnlyDictionary<string, string?> environment, string workingDirectory)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        return await ToolRunner.RunAsync(
            new ToolInvocation("bash", [Path.Combine(RepositoryRoot, "scripts", "db_backup", script)])
            {
                Environment = environment,
                WorkingDirectory = workingDirectory,
            },
            timeout.Token);
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PortfolioBackup.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("PortfolioBackup.sln not found above " + AppContext.BaseDirectory);
    }
}
