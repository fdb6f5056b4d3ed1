namespace PortfolioBackup.Verification.Checks;

/// <summary>What a check needs before it can say anything; the pipeline reports it "not run" when a need is missing.</summary>
[Flags]
public enum CheckNeeds
{
    /// <summary>Nothing: the check runs on any file.</summary>
    None = 0,

    /// <summary>A custom-format archive whose header reads (the <c>file</c> check passed).</summary>
    Archive = 1,

    /// <summary>The whole archive read natively: header, TOC and every data block (the <c>toc</c> and <c>data</c> checks passed).</summary>
    CompleteArchive = 2,

    /// <summary>A PostgreSQL to run tools against, and every check before it passed (fail fast before touching a server).</summary>
    Target = 4,

    /// <summary>The dump restored into a database (the <c>restore</c> check passed).</summary>
    RestoredDatabase = 8,
}

/// <summary>One check of a dump: a name, what it needs, and a verdict on the context it is given.</summary>
public interface IVerificationCheck
{
    /// <summary>The name printed and written to JSON ("file", "row-counts", "smoke:…").</summary>
    string Name { get; }

    /// <summary>What must hold before the check runs.</summary>
    CheckNeeds Needs { get; }

    /// <summary>Runs the check; a problem with the dump is a failed result, an exception means the tool itself failed.</summary>
    Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A check that may start before the checks ahead of it in its tier have finished, because all it touches is thrown away
/// (the restore into the throwaway server). Its result counts only when every check ahead of it passed, exactly as if it had
/// run after them; otherwise it is cancelled and discarded, and the verdict says "not run" as it always did.
/// </summary>
internal interface IOverlappingCheck : IVerificationCheck
{
    /// <summary>Takes back what a run whose result is not used left in the context (the verdict must not show it).</summary>
    ValueTask DiscardAsync(CheckContext context);
}
