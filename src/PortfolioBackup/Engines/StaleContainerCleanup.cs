using Docker.DotNet;
using Docker.DotNet.Models;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>
/// Removes throwaway containers an earlier run of ours left when it was killed (no Ryuk reaps them): each carries its
/// owner's mark and machine in labels, and one whose owner process on this machine is gone is removed.
/// </summary>
internal static class StaleContainerCleanup
{
    /// <summary>The label holding the owner's <see cref="ProcessOwner"/> mark.</summary>
    public const string OwnerLabel = "portfolio-backup.owner";

    /// <summary>The label holding the owner's machine: a mark means nothing on another machine sharing the daemon.</summary>
    public const string MachineLabel = "portfolio-backup.machine";

    /// <summary>The labels a container of this process gets.</summary>
    public static IReadOnlyDictionary<string, string> Labels => new Dictionary<string, string>
    {
        [OwnerLabel] = ProcessOwner.Current,
        [MachineLabel] = Environment.MachineName,
    };

    /// <summary>Removes stale containers; returns one line per container removed.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(DockerClient docker, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        try
        {
            var containers = await docker.Containers.ListContainersAsync(
                new ContainersListParameters
                {
                    All = true,
                    Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{MachineLabel}={Environment.MachineName}"] = true } },
                },
                cancellationToken);
            foreach (var container in containers)
            {
                if (container.Labels.TryGetValue(OwnerLabel, out var mark) && !ProcessOwner.IsAlive(mark))
                {
                    await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
                    var name = container.Names.FirstOrDefault()?.TrimStart('/') ?? container.ID[..12];
                    notes.Add($"cleaned up after an earlier run that was killed (process {mark.Split('.')[0]}): removed container {name}");
                }
            }
        }
        catch (DockerApiException ex)
        {
            notes.Add($"could not look for containers left by killed runs: {ex.Message}");
        }

        return notes;
    }
}
