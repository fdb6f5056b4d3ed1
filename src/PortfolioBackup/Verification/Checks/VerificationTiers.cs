namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// The tiers: ordered lists of the same checks. Every entry point runs one of them, so a check added here is in every
/// verdict that should have it, and the names printed, the JSON and the "not run" entries all come from these lists.
/// </summary>
public static class VerificationTiers
{
    /// <summary>No server: the file and its manifest, the whole archive read natively, its rows and required tables.</summary>
    public static IReadOnlyList<IVerificationCheck> Quick { get; } =
        [new FileCheck(), new TocCheck(), new DataCheck(), new DumpRowsCheck(), new DumpTablesCheck()];

    /// <summary>Before a restore touches its target: the quick tier, then whether the target can take the dump.</summary>
    public static IReadOnlyList<IVerificationCheck> RestorePreflight { get; } = [.. Quick, new TargetCheck()];

    /// <summary>The quick tier first (a damaged file gets its clear verdict), then a restore into a throwaway server and the database checks.</summary>
    public static IReadOnlyList<IVerificationCheck> Full(VerificationExpectations expectations, IReadOnlyList<string>? alsoImages = null) =>
    [
        .. RestorePreflight,
        new RestoreCheck(),
        new ExtensionsCheck(),
        new TablesCheck(),
        new RowCountsCheck(),
        new SequencesCheck(),
        new ExtensionVersionsCheck(),
        new SchemaCheck(),
        .. expectations.SmokeQueries.Select(smoke => new SmokeCheck(smoke)),
        new RestoreTimeCheck(),
        new RowDropCheck(),
        .. (alsoImages ?? []).Select(image => new UpgradeCheck(image)),
    ];
}
