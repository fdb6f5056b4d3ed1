namespace PortfolioBackup.Verification;

/// <summary>How one check came out; a dump is healthy when none failed (a warning reports the source's state, not the backup's fidelity).</summary>
public enum CheckStatus
{
    /// <summary>The check passed.</summary>
    Pass,

    /// <summary>The backup is faithful, but the check found something in the source worth knowing.</summary>
    Warn,

    /// <summary>The check failed: the dump is not healthy.</summary>
    Fail,

    /// <summary>The check could not run because something it needs failed earlier; the dump is not healthy.</summary>
    NotRun,
}

/// <summary>One check on one dump: its name, how it came out, and a one-line detail.</summary>
public sealed record CheckResult(string Name, CheckStatus Status, string Detail)
{
    /// <summary>True when the check passed or only warned.</summary>
    public bool Passed => Status is CheckStatus.Pass or CheckStatus.Warn;

    /// <summary>"pass", "warn", "fail" or "not-run", as printed and written to JSON.</summary>
    public string Label => LabelOf(Status);

    /// <summary>The one word for a status, in text and in JSON: "pass", "warn", "fail" or "not-run".</summary>
    public static string LabelOf(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "pass",
        CheckStatus.Warn => "warn",
        CheckStatus.Fail => "fail",
        _ => "not-run",
    };

    /// <summary>A passed check.</summary>
    public static CheckResult Pass(string name, string detail) => new(name, CheckStatus.Pass, detail);

    /// <summary>A check that passed with a warning about the source.</summary>
    public static CheckResult Warn(string name, string detail) => new(name, CheckStatus.Warn, detail);

    /// <summary>A failed check.</summary>
    public static CheckResult Fail(string name, string detail) => new(name, CheckStatus.Fail, detail);

    /// <summary>Passes with <paramref name="detail"/>, or fails with the problems joined by "; ".</summary>
    public static CheckResult FromProblems(string name, IReadOnlyCollection<string> problems, string detail) =>
        problems.Count > 0 ? Fail(name, string.Join("; ", problems)) : Pass(name, detail);

    /// <summary>The result of a check that could not run because an earlier one failed.</summary>
    public static CheckResult NotRun(string name, string reason) => new(name, CheckStatus.NotRun, $"not run: {reason}");
}

/// <summary>One physical table: its rows, and the rows expected of it (null when nothing was expected).</summary>
public sealed record TableVerdict(string Schema, string Name, long Rows, long? ExpectedRows)
{
    /// <summary>The table's name as a value.</summary>
    public TableName Table => new(Schema, Name);

    /// <summary>"schema.name", each part quoted where SQL needs it.</summary>
    public string QualifiedName => Table.ToString();
}

/// <summary>The verdict on one dump: healthy when no check failed.</summary>
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

    /// <summary>Wall time of the restore into the throwaway server, or null when nothing was restored.</summary>
    public double? RestoreSeconds { get; init; }

    /// <summary>Every check, in the order run.</summary>
    public required IReadOnlyList<CheckResult> Checks { get; init; }

    /// <summary>Extensions installed after restore, "name version".</summary>
    public IReadOnlyList<string> Extensions { get; init; } = [];

    /// <summary>Every physical table after restore with its exact row count.</summary>
    public IReadOnlyList<TableVerdict> Tables { get; init; } = [];

    /// <summary>The restored database's shape (see <see cref="RestoredSchema"/>), or null when it was not restored.</summary>
    public IReadOnlyList<string>? Schema { get; init; }

    /// <summary>Lower-case hex SHA-256 of the file (null when it could not be read).</summary>
    public string? Sha256 { get; init; }

    /// <summary>The database the dump was taken from (manifest or archive header).</summary>
    public string? Database { get; init; }

    /// <summary>The restored database left on the server when <see cref="VerificationOptions.KeepRestoredDatabases"/> is set and the restore succeeded, else null.</summary>
    public string? RestoredDatabase { get; init; }

    /// <summary>Where the expected row counts came from: "manifest", "dump" (the archive's own data), or null when none were compared.</summary>
    public string? ExpectedRowsSource { get; init; }

    /// <summary>Which loader restored the dump ("pg_restore" or "parallel"), or null when nothing was restored.</summary>
    public string? Loader { get; init; }

    /// <summary>The tier that produced the verdict ("quick" or "full").</summary>
    public string Tier { get; init; } = "full";

    /// <summary>Notes on this dump that are not checks (e.g. a ledger that could not be written).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// True when the verifier lacked the key to read an encrypted dump: the verdict judges the verifier's configuration, not
    /// the backup, so it is never published to the bucket.
    /// </summary>
    public bool LackedKey { get; init; }

    /// <summary>True when no check failed (warnings allowed).</summary>
    public bool Healthy => Checks.Count > 0 && Checks.All(c => c.Passed);

    /// <summary>The checks that failed or could not run.</summary>
    public IEnumerable<CheckResult> Failures => Checks.Where(c => !c.Passed);

    /// <summary>The checks that passed with a warning.</summary>
    public IEnumerable<CheckResult> WarningChecks => Checks.Where(c => c.Status == CheckStatus.Warn);

    /// <summary>Every warning of the verdict: each check that warned ("schema: …") and each note (<see cref="Warnings"/>).</summary>
    public IReadOnlyList<string> AllWarnings => [.. WarningChecks.Select(c => $"{c.Name}: {c.Detail}"), .. Warnings];
}

/// <summary>The verdicts on every dump verified in one run, with notes on how the run was set up (engine choice, ignored files).</summary>
public sealed record VerificationReport(IReadOnlyList<DumpVerdict> Dumps, IReadOnlyList<string> Notes)
{
    /// <summary>"full" (restored into a server) or "quick" (archive read natively, nothing restored).</summary>
    public string Tier { get; init; } = "full";

    /// <summary>True when there is at least one dump and every one is healthy.</summary>
    public bool AllHealthy => Dumps.Count > 0 && Dumps.All(d => d.Healthy);
}

/// <summary>Where the verification of one dump is, for progress display.</summary>
public sealed record VerificationProgress(string File, string Stage);
