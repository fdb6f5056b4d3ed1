using System.Globalization;
using PortfolioBackup.Catalog;
using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;

namespace PortfolioBackup.Status;

/// <summary>How fresh the backups must be: limits on the age of the newest backup, the newest verified backup and the newest offsite copy.</summary>
public sealed record BackupStatusOptions
{
    /// <summary>The offsite limit when a bucket is configured and no other is given: a nightly upload plus slack, like the others.</summary>
    public static readonly TimeSpan DefaultMaxOffsiteAge = TimeSpan.FromHours(26);

    /// <summary>The folder holding the backups and the verification ledger (BACKUP_DIR).</summary>
    public required string BackupDirectory { get; init; }

    /// <summary>The newest regular backup may be at most this old (a nightly backup plus slack).</summary>
    public TimeSpan MaxBackupAge { get; init; } = TimeSpan.FromHours(26);

    /// <summary>The newest backup proven to restore may be at most this old, by the time it was taken.</summary>
    public TimeSpan MaxVerifiedAge { get; init; } = TimeSpan.FromHours(26);

    /// <summary>The moment ages are measured from; null means the current UTC time (tests pin it).</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>
    /// The newest backup in the bucket may be at most this old, when a bucket is configured (<see cref="Bucket"/>); null turns
    /// the check off. A bucket that cannot be read is then CRITICAL too: its newest copy is unknown.
    /// </summary>
    public TimeSpan? MaxOffsiteAge { get; init; } = DefaultMaxOffsiteAge;

    /// <summary>
    /// What was read from the configured bucket (<see cref="BucketVerdicts.ReadAsync"/> with its backups): its verdicts count
    /// like the folder's ledger when their SHA-256 matches, and its newest backup is the newest offsite copy.
    /// </summary>
    public BucketSnapshot Bucket { get; init; } = BucketSnapshot.None;

    /// <summary>Which verdicts are believed (VERDICT_TRUSTED_KEYS); every one by default.</summary>
    public VerdictTrust Trust { get; init; } = VerdictTrust.Anyone;
}

/// <summary>The freshness verdict on a backup folder, for cron monitors and Nagios-style checks.</summary>
/// <param name="BackupDirectory">The folder checked.</param>
/// <param name="Now">The moment ages were measured from.</param>
/// <param name="NewestBackup">The newest regular backup, or null when there is none.</param>
/// <param name="NewestVerified">The newest backup proven to restore (healthy ledger entry, same SHA-256), or null.</param>
/// <param name="Options">The limits applied.</param>
/// <param name="Problems">Why the folder is stale; empty when it is fine.</param>
public sealed record BackupStatus(
    string BackupDirectory,
    DateTimeOffset Now,
    BackupEntry? NewestBackup,
    VerifiedBackup? NewestVerified,
    BackupStatusOptions Options,
    IReadOnlyList<string> Problems)
{
    /// <summary>What did not make the folder stale but deserves a look: skipped ledger lines, files only named like backups.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Whether the newest verified backup's verdict came from the bucket (read now, or recorded from it earlier).</summary>
    public bool VerdictFromBucket { get; init; }

    /// <summary>Every file in the folder named like a backup, as the catalog lists it (those that do not count included).</summary>
    public IReadOnlyList<BackupEntry> Backups { get; init; } = [];

    /// <summary>Every verdict known to the check (the folder's ledger and the bucket's), judged by the trust in force.</summary>
    public VerdictBook Verdicts { get; init; } = VerdictBook.Empty;

    /// <summary>The configured bucket and prefix (<c>s3://bucket/prefix</c>), or null without a bucket.</summary>
    public string? OffsiteLocation { get; init; }

    /// <summary>The bucket's objects named like backups, or null without a bucket or when it could not be read.</summary>
    public IReadOnlyList<BackupEntry>? OffsiteBackups { get; init; }

    /// <summary>The newest backup in the bucket that counts as one, or null (no bucket, none there, or not readable).</summary>
    public BackupEntry? NewestOffsite { get; init; }

    /// <summary>True when there is a backup and a verified backup (and, when judged, an offsite copy), each within its limit.</summary>
    public bool Ok => Problems.Count == 0;

    /// <summary>The newest backup's age, or null without one.</summary>
    public TimeSpan? NewestBackupAge => NewestBackup?.AgeAt(Now);

    /// <summary>The newest verified backup's age (by the time it was taken), or null without one.</summary>
    public TimeSpan? NewestVerifiedAge => NewestVerified?.Backup.AgeAt(Now);

    /// <summary>One line a monitor shows: <c>OK - newest backup 3 h old, newest verified 3 h old</c> or <c>CRITICAL - …</c>.</summary>
    public string Headline
    {
        get
        {
            var backup = NewestBackupAge is { } age ? $"newest backup {Old(age)}" : "no backup";
            var verified = NewestVerifiedAge is { } vage ? $"newest verified {Old(vage)}" : "no verified backup";
            var offsite = NewestOffsite is { } copy ? $", newest offsite {Old(copy.AgeAt(Now))}" : string.Empty;
            return Ok ? $"OK - {backup}, {verified}{offsite}" : $"CRITICAL - {string.Join("; ", Problems)}";
        }
    }

    /// <summary>An age as status prints it: "3 h old", "under 1 min old", "in the future".</summary>
    public static string Old(TimeSpan age) =>
        age < -BackupEntry.ClockSkewAllowance ? "in the future"
        : age < TimeSpan.FromMinutes(1) ? "under 1 min old" // a clock a few minutes ahead still counts as now
        : BackupAge.Format(age) + " old";

    /// <summary>The status of a folder that could not be checked at all (it vanished): CRITICAL with that one problem.</summary>
    public static BackupStatus Unchecked(BackupStatusOptions options, string problem)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new BackupStatus(options.BackupDirectory, options.Now ?? DateTimeOffset.UtcNow, null, null, options, [problem]);
    }

    /// <summary>Checks the folder: lists its backups, reads the ledger and hashes the newest verified dump; judges the bucket's newest copy.</summary>
    public static async Task<BackupStatus> CheckAsync(BackupStatusOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var now = options.Now ?? DateTimeOffset.UtcNow;
        var directory = ResolvedBackupDirectory.Resolve(options.BackupDirectory);
        var entries = BackupCatalog.List(directory.Path, cancellationToken);
        var contents = await VerificationLedger.LoadAsync(directory.Path, cancellationToken);
        var verdicts = new VerdictBook([.. contents.Entries, .. options.Bucket.Verdicts.Entries], options.Trust);
        var newest = BackupCatalog.Newest(entries, now);
        var verified = await verdicts.NewestVerifiedAsync(entries, now, cancellationToken);

        var problems = new List<string>();

        // A backup dated in the future is never "fresh": its clock was wrong or it is a stray copy, and it hides how old the real newest is.
        foreach (var future in entries.Where(e => e.Kind == BackupKind.Regular && e.ContentProblem is null && e.IsFutureDatedAt(now)))
        {
            problems.Add($"{future.FileName} is {future.IgnoredReasonAt(now)}; it is not counted as a backup");
        }

        if (contents.Unreadable is { } unreadable)
        {
            problems.Add(unreadable);
        }

        if (newest is null)
        {
            problems.Add($"no backup_*.dump or backup_*.dump.age in {directory.Path}");
        }
        else if (newest.AgeAt(now) > options.MaxBackupAge)
        {
            problems.Add($"newest backup {newest.FileName} is {Old(newest.AgeAt(now))} (limit {Hours(options.MaxBackupAge)})");
        }

        if (verified is null)
        {
            var untrusted = verdicts.All.Count(v => !v.Trusted && v.Entry.Healthy);
            problems.Add(verdicts.All.Count == 0 && contents.Unreadable is null
                ? "no verified backup (no verification ledger yet; run portfolio-backup verify)"
                : verdicts.All.Count == 0
                ? "no verified backup (the verification ledger cannot be read)"
                : untrusted > 0
                    ? $"no verified backup (no trusted healthy verification of a backup that is still there unchanged; {untrusted} healthy verdict(s) not signed by a key in {VerdictKeys.TrustedVariable})"
                    : "no verified backup (no healthy verification of a backup that is still there unchanged)");
        }
        else if (verified.Backup.AgeAt(now) > options.MaxVerifiedAge)
        {
            problems.Add($"newest verified backup {verified.Backup.FileName} is {Old(verified.Backup.AgeAt(now))} (limit {Hours(options.MaxVerifiedAge)})");
        }

        var offsite = options.Bucket.Backups?.Select(b => b.ToEntry()).ToList();
        var newestOffsite = offsite is null ? null : BackupCatalog.Newest(offsite, now);
        if (JudgeOffsite(options, offsite, newestOffsite, now) is { } offsiteProblem)
        {
            problems.Add(offsiteProblem);
        }

        var ignored = entries
            .Where(e => e.IgnoredReasonAt(now) is not null && !e.IsFutureDatedAt(now))
            .Select(e => $"{e.FileName}: {e.ContentProblem}")
            .ToList();
        return new BackupStatus(directory.Path, now, newest, verified, options, problems)
        {
            Warnings = [.. contents.Warnings, .. ignored.Select(i => "ignored: " + i)],
            VerdictFromBucket = verified is not null && (verified.Verification.Origin == "bucket" || options.Bucket.Verdicts.Entries.Contains(verified.Verification)),
            Backups = entries,
            Verdicts = verdicts,
            OffsiteLocation = options.Bucket.Settings?.Location,
            OffsiteBackups = offsite,
            NewestOffsite = newestOffsite,
        };
    }

    // The bucket is judged only when one is configured and a limit applies; its verdicts alone never make an offsite copy.
    private static string? JudgeOffsite(BackupStatusOptions options, IReadOnlyList<BackupEntry>? offsite, BackupEntry? newest, DateTimeOffset now)
    {
        if (options.Bucket.Settings is not { } bucket || options.MaxOffsiteAge is not { } limit)
        {
            return null;
        }

        if (offsite is null)
        {
            return $"the bucket {bucket.Location} cannot be read, so its newest offsite copy is unknown: {options.Bucket.BackupsProblem ?? "its backups were not listed"}";
        }

        if (newest is null)
        {
            var foreign = offsite.Count(e => !e.CountsAt(now));
            return foreign == 0
                ? $"no backup in {bucket.Location}"
                : Invariant($"no backup in {bucket.Location} ({foreign} object(s) only named like backups, not counted)");
        }

        return newest.AgeAt(now) > limit
            ? $"newest offsite copy {newest.FileName} is {Old(newest.AgeAt(now))} (limit {Hours(limit)})"
            : null;
    }

    private static void Validate(BackupStatusOptions options)
    {
        var problems = new List<string>();
        if (options.MaxBackupAge <= TimeSpan.Zero)
        {
            problems.Add($"--max-age-hours {Number(options.MaxBackupAge)} is not a positive number of hours (e.g. 26 for a nightly backup)");
        }

        if (options.MaxVerifiedAge <= TimeSpan.Zero)
        {
            problems.Add($"--max-verified-age-hours {Number(options.MaxVerifiedAge)} is not a positive number of hours (e.g. 26 for a nightly verification)");
        }

        if (options.MaxOffsiteAge is { } offsite && offsite <= TimeSpan.Zero)
        {
            problems.Add($"--max-offsite-age-hours {Number(offsite)} is not a positive number of hours (e.g. 26 for a nightly upload; 0 turns the check off)");
        }

        if (problems.Count > 0)
        {
            throw new ConfigurationException(problems);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Hours(TimeSpan span) => Number(span) + " h";

    private static string Number(TimeSpan span) => span.TotalHours.ToString("0.##", CultureInfo.InvariantCulture);
}
