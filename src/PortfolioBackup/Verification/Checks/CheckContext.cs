using Npgsql;
using PortfolioBackup.Archive;
using PortfolioBackup.Backup;
using PortfolioBackup.Encryption;
using PortfolioBackup.Engines;
using PortfolioBackup.Verification.Loading;

namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// Everything the checks of one dump share: the file and its manifest (read once), the native read of the archive (started
/// once, awaited by whoever needs it), the target and the restored database, and the facts that end up in the verdict.
/// </summary>
public sealed class CheckContext : IAsyncDisposable
{
    private readonly Lazy<Task<ArchiveScan>> _scan;
    private readonly Action<string>? _progress;
    private ICheckTarget? _target;

    private readonly DecryptedCopy? _decrypted;
    private readonly bool _scanStreamed;
    private readonly CancellationToken _cancellationToken;

    private CheckContext(string dumpPath, DumpProbeResult probe, CheckContextOptions options, Readable readable, CancellationToken cancellationToken)
    {
        DumpPath = dumpPath;
        ArchivePath = readable.Copy?.Path ?? dumpPath;
        Probe = probe;
        Options = options;
        _decrypted = readable.OwnsCopy ? readable.Copy : null;
        Encrypted = readable.Encrypted;
        _progress = options.Progress;
        Timings = options.Timings ?? PhaseTimings.For(new Dictionary<string, string?>());
        var archivePath = ArchivePath;
        _scanStreamed = readable.Scan is not null;
        _cancellationToken = cancellationToken;
        _scan = new Lazy<Task<ArchiveScan>>(() => readable.Scan is { } streamed ? Task.FromResult(streamed) : ArchiveReader.ScanAsync(
            archivePath, new ArchiveScanOptions { Parallelism = options.ScanParallelism, ComputeSha256 = true }, cancellationToken));
    }

    /// <summary>The dump's path.</summary>
    public string DumpPath { get; }

    /// <summary>The custom-format archive the checks read and restore: the dump itself, or its private decrypted copy.</summary>
    internal string ArchivePath { get; }

    /// <summary>The encrypted file's size and SHA-256 when the dump is age-encrypted, else null.</summary>
    public (long SizeBytes, string Sha256)? Encrypted { get; }

    /// <summary>The SHA-256 of the file as it lies in the folder (the encrypted file's when encrypted): what the ledger records.</summary>
    public string? FileSha256 => Encrypted?.Sha256 ?? FinishedArchive?.Sha256;

    /// <summary>What the file is, from its first bytes.</summary>
    public DumpProbeResult Probe { get; }

    /// <summary>How the checks were asked to run (expectations, ledger, target).</summary>
    public CheckContextOptions Options { get; private set; }

    /// <summary>What a healthy database holds.</summary>
    public VerificationExpectations Expectations => Options.Expectations;

    /// <summary>The manifest beside the dump, when there is one and it reads.</summary>
    public BackupManifest? Manifest { get; private init; }

    /// <summary>Whether the dump is encrypted and no identity was given to read it: nothing about the backup could be judged.</summary>
    public bool LackedKey { get; private init; }

    /// <summary>Why the manifest beside the dump could not be read, or null.</summary>
    public string? ManifestProblem { get; private init; }

    /// <summary>The PostgreSQL the dump goes to, or null in the quick tier (and before a lazily reached target was needed).</summary>
    public ICheckTarget? Target => _target ?? Options.Target;

    /// <summary>The throwaway server the full tier restores into, or null.</summary>
    public IRestoreServer? Server => Options.Server;

    /// <summary>The database the <c>restore</c> check created on the throwaway server (dropped by whoever owns the server).</summary>
    public string? CreatedDatabase { get; internal set; }

    /// <summary>The database the dump was restored into, set by the <c>restore</c> check.</summary>
    public RestoredDatabase? Restored { get; internal set; }

    /// <summary>Every physical table found (in the dump or after restore) with its rows and expected rows.</summary>
    public IReadOnlyList<TableVerdict> Tables { get; internal set; } = [];

    /// <summary>Extensions installed after restore, "name version".</summary>
    public IReadOnlyList<string> Extensions { get; internal set; } = [];

    /// <summary>The restored database's shape (see <see cref="RestoredSchema"/>), once the <c>schema</c> check read it; else null.</summary>
    public IReadOnlyList<string>? Schema { get; internal set; }

    /// <summary>Which loader the <c>restore</c> check ran ("pg_restore" or "parallel"), or null before it ran.</summary>
    public string? Loader { get; internal set; }

    /// <summary>"manifest" or "dump": where the expected row counts came from, once a check compared them.</summary>
    public string? ExpectedRowsSource { get; internal set; }

    internal PhaseTimings Timings { get; }

    /// <summary>The database the dump was taken from (manifest, else archive header).</summary>
    public string? Database => Manifest?.Database ?? Probe.Header?.DatabaseName;

    /// <summary>
    /// The verdicts earlier verifications left (the ledger and <see cref="CheckContextOptions.EarlierVerdicts"/>), judged by the
    /// trust in force, and why the ledger that is there could not be read (a comparison then says it could not compare).
    /// </summary>
    internal async Task<(Catalog.VerdictBook Verdicts, string? Unreadable)> EarlierVerdictsAsync(CancellationToken cancellationToken)
    {
        var ledger = Options.LedgerDirectory is { } directory ? await Catalog.VerificationLedger.LoadAsync(directory, cancellationToken) : Catalog.LedgerContents.Empty;
        return (new Catalog.VerdictBook([.. ledger.Entries, .. Options.EarlierVerdicts], Options.Trust), ledger.Unreadable);
    }

    /// <summary>Reads the file's first bytes and its manifest; nothing else is read until a check asks.</summary>
    public static async Task<CheckContext> CreateAsync(string dumpPath, CheckContextOptions options, CancellationToken cancellationToken)
    {
        var probe = PromiseOfName(await DumpProbe.ProbeAsync(dumpPath, cancellationToken));
        BackupManifest? manifest = null;
        var readable = new Readable(null, null, null);
        string? problem = null;
        try
        {
            manifest = await BackupManifest.ReadForDumpAsync(dumpPath, cancellationToken);
        }
        catch (InvalidManifestException ex)
        {
            problem = ex.Message;
        }

        var lackedKey = probe.Kind == DumpFileKind.Encrypted && options.Identity is null && options.Decrypted is null;
        if (probe.Kind == DumpFileKind.Encrypted)
        {
            (probe, readable) = await EncryptedDumpAccess.OpenAsync(probe, manifest, options, cancellationToken);
        }

        // The manifest is read once, so its counts are grouped once, not at every check that asks.
        var byTable = manifest?.Tables?.GroupBy(t => new TableName(t.Schema, t.Name)).ToList();
        return new CheckContext(dumpPath, probe, options, readable, cancellationToken)
        {
            Manifest = manifest,
            ManifestProblem = problem,
            LackedKey = lackedKey,
            ManifestRows = byTable?.ToDictionary(g => g.Key, g => g.First().Rows),
            ManifestDuplicates = byTable?.Where(g => g.Count() > 1).Select(g => g.Key).ToList() ?? [],
        };
    }

    /// <summary>
    /// A file named like a backup must hold what its name promises, wherever it lies (<see cref="Catalog.BackupRule.HeaderProblem"/>):
    /// a plain dump named <c>.dump.age</c> would otherwise verify healthy without a key, and be taken for encrypted.
    /// </summary>
    private static DumpProbeResult PromiseOfName(DumpProbeResult probe)
    {
        var name = Path.GetFileName(probe.Path);
        if (!BackupFileName.IsAnyBackup(name) || probe.Kind is not (DumpFileKind.Custom or DumpFileKind.Encrypted))
        {
            return probe;
        }

        var first = probe.Kind == DumpFileKind.Encrypted ? Catalog.BackupRule.AgeHeader : Catalog.BackupRule.CustomFormatMagic;
        return Catalog.BackupRule.HeaderProblem(name, first) is { } problem
            ? probe with { Kind = DumpFileKind.NotADump, Detail = problem, Header = null }
            : probe;
    }

    /// <summary>The native read of the whole archive (header, TOC, every data block, SHA-256), started on first use and shared.</summary>
    public Task<ArchiveScan> ArchiveAsync() => _scan.Value;

    /// <summary>
    /// The table of contents as soon as it reads: the finished scan's, else a read of its own (a few kilobytes), so a restore
    /// into a throwaway server can start while the scan still decompresses the data; the scan's when that read fails, so
    /// nothing is decided on a TOC the scan did not see.
    /// </summary>
    internal async Task<ArchiveToc?> TocAsync()
    {
        if (FinishedArchive is not null || _scanStreamed || !Probe.IsCustomArchive)
        {
            return (await ArchiveAsync()).Toc;
        }

        try
        {
            return await ArchiveReader.ReadTocAsync(ArchivePath, _cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A hostile TOC may throw anything while read on its own; the scan's verdict on it is the authority.
            return (await ArchiveAsync()).Toc;
        }
    }

    /// <summary>
    /// Gives the context the throwaway server it restores into, once that has started: the context (and its native read)
    /// was made beside the server's start, before any check ran.
    /// </summary>
    internal void UseServer(IRestoreServer server, IReadOnlyList<UpgradeTarget> upgrades) =>
        Options = Options with { Server = server, Target = new RestoreServerTarget(server), UpgradeTargets = upgrades };

    /// <summary>The archive read, when it has finished (null before and when it was never started).</summary>
    public ArchiveScan? FinishedArchive => _scan is { IsValueCreated: true, Value.IsCompletedSuccessfully: true } ? _scan.Value.Result : null;

    /// <summary>The manifest's exact counts by table (first entry wins when a table is listed twice), or null without counts.</summary>
    public IReadOnlyDictionary<TableName, long>? ManifestRows { get; private init; }

    /// <summary>Tables the manifest lists more than once (a damaged or hand-edited manifest).</summary>
    public IReadOnlyList<TableName> ManifestDuplicates { get; private init; } = [];

    /// <summary>The rows each table must hold: the manifest's exact counts, else the dump's own data; records which in <see cref="ExpectedRowsSource"/>.</summary>
    internal async Task<IReadOnlyDictionary<TableName, long>> ExpectedRowsAsync()
    {
        if (ManifestRows is { } manifest)
        {
            ExpectedRowsSource = "manifest";
            return manifest;
        }

        ExpectedRowsSource = "dump";
        return DumpRows(await ArchiveAsync());
    }

    /// <summary>Exact rows per table counted from the dump's own data (tables whose data cannot be counted exactly are left out).</summary>
    public static IReadOnlyDictionary<TableName, long> DumpRows(ArchiveScan scan) =>
        scan.Tables.Where(t => t.Rows is not null).GroupBy(t => new TableName(t.Schema, t.Name)).ToDictionary(g => g.Key, g => g.Sum(t => t.Rows!.Value));

    /// <summary>Extensions the dump creates (its TOC's EXTENSION entries), once the archive was read.</summary>
    public IReadOnlyList<string> DumpExtensions =>
        FinishedArchive?.Entries.Where(e => e.Desc == "EXTENSION").Select(e => e.Tag).Distinct(StringComparer.Ordinal).ToList() ?? [];

    /// <summary>Why a check with these needs cannot run after <paramref name="earlier"/>, or null when it can.</summary>
    internal string? Missing(CheckNeeds needs, IReadOnlyList<CheckResult> earlier)
    {
        if (needs.HasFlag(CheckNeeds.Archive) && !Probe.IsCustomArchive)
        {
            return "the file is not a readable custom-format dump";
        }

        if (needs.HasFlag(CheckNeeds.CompleteArchive) && FinishedArchive is not { IsComplete: true })
        {
            return "the archive could not be read whole";
        }

        if (needs.HasFlag(CheckNeeds.Target))
        {
            if (earlier.FirstOrDefault(c => !c.Passed) is { } failed)
            {
                return $"the {failed.Name} check failed";
            }

            if (Target is null)
            {
                return "no PostgreSQL to check against";
            }
        }

        if (needs.HasFlag(CheckNeeds.RestoredDatabase) && Restored is null)
        {
            return "the dump was not restored";
        }

        return null;
    }

    internal void Progress(string check) => _progress?.Invoke(check);

    /// <summary>Reaches the target through <see cref="CheckContextOptions.TargetFactory"/> the first time a check needs it.</summary>
    internal async Task ReachTargetAsync(CancellationToken cancellationToken)
    {
        if (Target is null && Options.TargetFactory is { } factory)
        {
            _target = await factory(cancellationToken);
        }
    }

    /// <summary>Closes the restored database's connection (the database itself belongs to whoever created it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Restored is not null)
        {
            await Restored.Connection.DisposeAsync();
        }

        if (_scan.IsValueCreated)
        {
            // A scan still running when the checks stopped early must not outlive the context.
            try
            {
                await _scan.Value;
            }
            catch (Exception)
            {
                // Whatever the scan threw reached the check that awaited it; a scan nobody awaited was cancelled with the run.
            }
        }

        if (_decrypted is not null)
        {
            await _decrypted.DisposeAsync();
        }
    }
}

/// <summary>How the checks of one dump run: what a healthy database holds and what they may use.</summary>
public sealed record CheckContextOptions
{
    /// <summary>What a healthy database holds.</summary>
    public VerificationExpectations Expectations { get; init; } = VerificationExpectations.Default;

    /// <summary>The folder holding the verification ledger, or null (row-drop then has only <see cref="EarlierVerdicts"/>).</summary>
    public string? LedgerDirectory { get; init; }

    /// <summary>Verdicts from elsewhere (the bucket's) that comparisons with earlier verifications read besides the ledger.</summary>
    public IReadOnlyList<Catalog.LedgerEntry> EarlierVerdicts { get; init; } = [];

    /// <summary>Which earlier verdicts count.</summary>
    public Catalog.VerdictTrust Trust { get; init; } = Catalog.VerdictTrust.Anyone;

    /// <summary>Servers of other images the dump is also restored into (<c>upgrade:IMAGE</c> checks).</summary>
    public IReadOnlyList<UpgradeTarget> UpgradeTargets { get; init; } = [];

    /// <summary>The PostgreSQL the dump goes to, or null (the quick tier).</summary>
    public ICheckTarget? Target { get; init; }

    /// <summary>
    /// Reaches the target only when a check first needs it, so a dump that fails the quick checks never makes a connection
    /// (the restore's real target); used when <see cref="Target"/> is null.
    /// </summary>
    public Func<CancellationToken, Task<ICheckTarget>>? TargetFactory { get; init; }

    /// <summary>The throwaway server of the full tier, or null.</summary>
    public IRestoreServer? Server { get; init; }

    /// <summary>Parallel <c>pg_restore</c> jobs in the full tier.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>How the <c>restore</c> check loads the dump.</summary>
    public RestoreLoader Loader { get; init; } = RestoreLoader.PgRestore;

    internal LoaderTuning LoaderTuning { get; init; } = new();

    /// <summary>Data blocks decompressed at once by the native read.</summary>
    public int ScanParallelism { get; init; } = Math.Max(1, System.Environment.ProcessorCount);

    /// <summary>Called with each check's name as it starts.</summary>
    public Action<string>? Progress { get; init; }

    internal PhaseTimings? Timings { get; init; }

    /// <summary>The age secret key that reads encrypted dumps; without it an encrypted dump fails its <c>file</c> check.</summary>
    public AgeIdentity? Identity { get; init; }

    /// <summary>
    /// Whether an encrypted dump is decrypted into a private file (for pg_restore, which needs one) rather than streamed
    /// through age into the native reader; the full tier and restore ask for it.
    /// </summary>
    public bool DecryptToFile { get; init; }

    /// <summary>A decrypted copy the caller already made and still owns (restore decrypts once for its checks and pg_restore).</summary>
    internal DecryptedCopy? Decrypted { get; init; }
}

/// <summary>How the checks reach an archive: the file itself, its decrypted copy, or a scan already made while decrypting.</summary>
internal sealed record Readable(DecryptedCopy? Copy, ArchiveScan? Scan, (long SizeBytes, string Sha256)? Encrypted, bool OwnsCopy = true);

/// <summary>A database a dump was restored into, with one open connection the database checks share.</summary>
public sealed record RestoredDatabase(string Name, NpgsqlConnection Connection, double RestoreSeconds);
