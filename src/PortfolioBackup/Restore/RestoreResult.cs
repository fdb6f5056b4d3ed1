namespace PortfolioBackup.Restore;

/// <summary>One table's rows after the restore against the dump's manifest.</summary>
public sealed record TableRowComparison(string Schema, string Name, long Expected, long? Actual)
{
    /// <summary>"schema.name", unquoted, for messages.</summary>
    public string QualifiedName => $"{Schema}.{Name}";

    /// <summary>True when the restored table holds exactly the manifest's rows.</summary>
    public bool Matches => Actual == Expected;
}

/// <summary>A finished restore: what was replaced, the safety backup, and the row-count verdict.</summary>
public sealed record RestoreResult
{
    /// <summary>The plan that was confirmed.</summary>
    public required RestorePlan Plan { get; init; }

    /// <summary>The safety backup taken before the restore, or null when skipped.</summary>
    public string? SafetyBackupPath { get; init; }

    /// <summary>True when the database did not exist and was created.</summary>
    public bool CreatedDatabase { get; init; }

    /// <summary>Row counts against the manifest; null when the dump has no manifest with counts.</summary>
    public IReadOnlyList<TableRowComparison>? RowCounts { get; init; }

    /// <summary>How long the whole restore took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>True unless a restored table's rows differ from the manifest.</summary>
    public bool RowCountsMatch => RowCounts is null || RowCounts.All(r => r.Matches);
}
