using PortfolioBackup.Tools;

namespace PortfolioBackup.Verification.Checks;

/// <summary>The PostgreSQL a dump is about to be restored into (a throwaway server or a real target), as the checks see it.</summary>
public interface ICheckTarget
{
    /// <summary>For messages: "PostgreSQL 15.18 (local)".</summary>
    string Description { get; }

    /// <summary>The server's major version (0 when unknown).</summary>
    int MajorVersion { get; }

    /// <summary>The path under which the target's own tools see a dump file of this machine.</summary>
    Task<string> MapDumpAsync(string dumpPath, CancellationToken cancellationToken);

    /// <summary>Runs one of the target's own client programs (<c>pg_restore</c>) against it.</summary>
    Task<ToolResult> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    /// <summary>The extensions the target's server can create (<c>pg_available_extensions</c>).</summary>
    Task<IReadOnlySet<string>> AvailableExtensionsAsync(CancellationToken cancellationToken);
}
