using PortfolioBackup.Engines;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification.Loading;

namespace PortfolioBackup.Verification;

/// <summary>How to verify dumps: where to restore them, what a healthy database holds, and where results go.</summary>
public sealed record VerificationOptions
{
    /// <summary>Which server to restore into and how to find the production image.</summary>
    public RestoreServerOptions Server { get; init; } = new();

    /// <summary>What the restored database must contain.</summary>
    public VerificationExpectations Expectations { get; init; } = VerificationExpectations.Default;

    /// <summary>Parallel jobs for <c>pg_restore -j</c>.</summary>
    public int Jobs { get; init; } = System.Environment.ProcessorCount;

    /// <summary>How the dump is loaded: <c>pg_restore</c> alone (the production path) or the parallel table-data loader.</summary>
    /// <remarks>
    /// pg_restore stays the default: on the shared 2-core benchmark machine the parallel loader was slower on the ×1 dump and
    /// faster on the ×4 one, and a split table's rows cannot skip the WAL (only one connection can hold the TRUNCATE).
    /// </remarks>
    public RestoreLoader Loader { get; init; } = RestoreLoader.PgRestore;

    /// <summary>The folder holding <c>verification-ledger.jsonl</c> (the backup folder); no ledger is read or written when null.</summary>
    public string? LedgerDirectory { get; init; }

    /// <summary>
    /// Verdicts from elsewhere that the comparisons with earlier verifications (row drop) read besides the ledger: the bucket's,
    /// when <c>verify --from</c> verifies its backups in a folder that holds no ledger of its own.
    /// </summary>
    public IReadOnlyList<Catalog.LedgerEntry> EarlierVerdicts { get; init; } = [];

    /// <summary>Which earlier verdicts count (VERDICT_TRUSTED_KEYS); every one by default.</summary>
    public Catalog.VerdictTrust Trust { get; init; } = Catalog.VerdictTrust.Anyone;

    /// <summary>
    /// Other images each dump is also restored into (<c>--also-image</c>, VERIFY_ALSO_IMAGES), each its own check
    /// (<c>upgrade:postgres:18</c>) that warns when it fails; the production image alone decides health.
    /// </summary>
    public IReadOnlyList<string> AlsoImages { get; init; } = [];

    /// <summary>Signs every verdict written to the ledger (VERDICT_SIGNING_KEY); unsigned when null.</summary>
    public Catalog.VerdictSigner? Signer { get; init; }

    /// <summary>The longest one dump's verification may take before it is stopped and reported unhealthy.</summary>
    public TimeSpan DumpTimeout { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The age secret key that reads encrypted dumps; each is decrypted once into a private file and removed afterwards.</summary>
    public Encryption.AgeIdentity? Identity { get; init; }

    /// <summary>Keeps each restored database after its checks ran (named in <see cref="DumpVerdict.RestoredDatabase"/>) so callers can run their own checks on it.</summary>
    public bool KeepRestoredDatabases { get; init; }

    /// <summary>The environment (compose interpolation, PG_BIN_DIR); the process's own when not set.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = EnvironmentVariables.Current();

    internal LoaderTuning LoaderTuning { get; init; } = new();
}
