namespace PortfolioBackup.Verification;

/// <summary>One check on one dump: its name, whether it passed, and a one-line detail.</summary>
public sealed record CheckResult(string Name, bool Passed, string Detail)
{
    /// <summary>The detail of a check that could not run because an earlier one failed.</summary>
    public static CheckResult NotRun(string name, string reason) => new(name, false, $"not run: {reason}");
}

/// <summary>One physical table after restore: its rows, and the rows the manifest expected (null without a manifest).</summary>
public sealed record TableVerdict(string Schema, string Name, long Rows, long? ExpectedRows)
{
    /// <summary>"schema.name" unquoted.</summary>
    public string QualifiedName => $"{Schema}.{Name}";
}

/// <summary>The verdict on one dump: healthy when every check passed.</summary>
public sealed record DumpVerdict
{
    /// <summary>The dump's path.</summary>
    public required string File { get; init; }

    /// <summary>"local" or "container".</summary>
    public required string Engine { get; init; }

    /// <summary>The container image, or null for the local engine.</summary>
    public string? Image { get; init; }

    /// <summary>The target server's <c>server_version</c>.</summary>
    public required string ServerVersion { get; init; }

    /// <summary>Wall time of the whole verification of this dump.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>Every check, in the order run.</summary>
    public required IReadOnlyList<CheckResult> Checks { get; init; }

    /// <summary>Extensions installed after restore, "name version".</summary>
    public IReadOnlyList<string> Extensions { get; init; } = [];

    /// <summary>Every physical table after restore with its exact row count.</summary>
    public IReadOnlyList<TableVerdict> Tables { get; init; } = [];

    /// <summary>Lower-case hex SHA-256 of the file (null when it could not be read).</summary>
    public string? Sha256 { get; init; }

    /// <summary>The database the dump was taken from (manifest or archive header).</summary>
    public string? Database { get; init; }

    /// <summary>The restored database left on the server when <see cref="VerificationOptions.KeepRestoredDatabases"/> is set and the restore succeeded, else null.</summary>
    public string? RestoredDatabase { get; init; }

    /// <summary>True when every check passed.</summary>
    public bool Healthy => Checks.Count > 0 && Checks.All(c => c.Passed);

    /// <summary>The checks that failed.</summary>
    public IEnumerable<CheckResult> Failures => Checks.Where(c => !c.Passed);
}

/// <summary>The verdicts on every dump verified in one run, with notes on how the run was set up (engine choice, ignored files).</summary>
public sealed record VerificationReport(IReadOnlyList<DumpVerdict> Dumps, IReadOnlyList<string> Notes)
{
    /// <summary>True when there is at least one dump and every one is healthy.</summary>
    public bool AllHealthy => Dumps.Count > 0 && Dumps.All(d => d.Healthy);
}

/// <summary>Where the verification of one dump is, for progress display.</summary>
public sealed record VerificationProgress(string File, string Stage);
