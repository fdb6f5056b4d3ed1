using PortfolioBackup.Tools;

namespace PortfolioBackup.Containers;

/// <summary>The docker CLI through <see cref="ToolRunner"/>, with argument arrays.</summary>
internal static class DockerCli
{
    public static Task<ToolResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ToolRunner.RunAsync(new ToolInvocation("docker", arguments), cancellationToken);

    public static Task<ToolResult> RunCheckedAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ToolRunner.RunCheckedAsync(new ToolInvocation("docker", arguments), cancellationToken);
}
