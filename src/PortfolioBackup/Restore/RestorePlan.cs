using PortfolioBackup.Verification;

namespace PortfolioBackup.Restore;

/// <summary>What the restore is about to do, shown for confirmation before anything is dropped.</summary>
public sealed record RestorePlan
{
    /// <summary>The dump to restore.</summary>
    public required string DumpPath { get; init; }

    /// <summary>The target, described for people.</summary>
    public required RestoreTarget Target { get; init; }

    /// <summary>The target server's <c>server_version</c>.</summary>
    public required string ServerVersion { get; init; }

    /// <summary>False when the database does not exist yet and will be created.</summary>
    public required bool DatabaseExists { get; init; }

    /// <summary>How many entries the dump's table of contents holds (each is dropped if present and recreated).</summary>
    public required int TocEntries { get; init; }

    /// <summary>How many tables the dump creates (partitioned parents included).</summary>
    public required int DumpTables { get; init; }

    /// <summary>The physical tables in the target now ("schema.name").</summary>
    public required IReadOnlyList<string> ExistingTables { get; init; }

    /// <summary>How many of the manifest's physical tables exist in the target and will be dropped and replaced; null when unknown (no manifest).</summary>
    public int? TablesReplaced { get; init; }

    /// <summary>How many physical tables the dump's manifest lists; null without a manifest with counts.</summary>
    public int? ManifestTables { get; init; }

    /// <summary>The checks made on the dump.</summary>
    public required IReadOnlyList<CheckResult> Checks { get; init; }

    /// <summary>True when a safety backup will be taken first.</summary>
    public required bool SafetyBackup { get; init; }

    /// <summary>The age recipients the safety backup is encrypted for; empty for a plain one.</summary>
    public IReadOnlyList<string> SafetyBackupRecipients { get; init; } = [];

    /// <summary>True when no check failed.</summary>
    public bool DumpHealthy => Checks.All(c => c.Passed);
}
