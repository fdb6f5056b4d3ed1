using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioBackup.Backup;

namespace PortfolioBackup.Catalog;

/// <summary>One line of the verification ledger: which file was verified, when, where, with what result and row counts.</summary>
public sealed record LedgerEntry
{
    /// <summary>The dump's file name (no folder).</summary>
    public required string File { get; init; }

    /// <summary>Lower-case hex SHA-256 of the dump when verified.</summary>
    public string? Sha256 { get; init; }

    /// <summary>When the verdict was reached.</summary>
    public required DateTimeOffset VerifiedAt { get; init; }

    /// <summary>The database the dump was taken from.</summary>
    public string? Database { get; init; }

    /// <summary>"local" or "container".</summary>
    public required string Engine { get; init; }

    /// <summary>The container image, null for the local engine.</summary>
    public string? Image { get; init; }

    /// <summary>Whether every check passed.</summary>
    public required bool Healthy { get; init; }

    /// <summary>Rows per physical table ("schema.name") after restore.</summary>
    public IReadOnlyDictionary<string, long> Tables { get; init; } = new Dictionary<string, long>();

    /// <summary>The restored database's shape (see <c>RestoredSchema</c>), for the next verification's <c>schema</c> check; null in older entries.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Schema { get; init; }

    /// <summary>The checks that warned ("schema: + public.images.alt_text text"), for status; null in older entries.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Warnings { get; init; }

    /// <summary>Wall time of the whole verification of the dump, in seconds; null in older entries.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? VerifySeconds { get; init; }

    /// <summary>Wall time of its restore into the throwaway server, in seconds; null when nothing was restored, and in older entries.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? RestoreSeconds { get; init; }

    /// <summary>The id of the key that signed the verdict (VERDICT_SIGNING_KEY), or null for an unsigned verdict.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SignedBy { get; init; }

    /// <summary>The signature over the verdict's fields (see <c>VerdictSignature</c>), base64, or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Signature { get; init; }

    /// <summary>"bucket" for a verdict copied into the local ledger from the bucket's verdicts; not signed, not compared.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Origin { get; init; }
}

/// <summary>What reading the ledger found: the entries that parse, a warning per line skipped, and whether it could be read at all.</summary>
/// <param name="Entries">Every readable entry, oldest first.</param>
/// <param name="Warnings">One line per skipped ledger line (torn, null, garbage or too long), naming the file and the line.</param>
/// <param name="Unreadable">Why the ledger exists but could not be read (no permission, not a regular file), or null.</param>
public sealed record LedgerContents(IReadOnlyList<LedgerEntry> Entries, IReadOnlyList<string> Warnings, string? Unreadable)
{
    /// <summary>The contents of a folder without a ledger.</summary>
    public static LedgerContents Empty { get; } = new([], [], null);
}

/// <summary>
/// The append-only record of verifications (<c>verification-ledger.jsonl</c> in the backup folder), one JSON object per
/// line; retention and status use it to find the newest backup proven to restore.
/// </summary>
public static class VerificationLedger
{
    /// <summary>The ledger's file name inside the backup folder.</summary>
    public const string FileName = "verification-ledger.jsonl";

    /// <summary>Lines longer than this are skipped without being held in memory; a real entry is a few KiB.</summary>
    public const int MaxLineBytes = 1 << 20;

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The ledger's path in a backup folder.</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>Every readable entry, oldest first; an empty list when there is no ledger. Lines that do not parse (a torn write) are skipped.</summary>
    public static async Task<IReadOnlyList<LedgerEntry>> ReadAsync(string directory, CancellationToken cancellationToken = default) =>
        (await LoadAsync(directory, cancellationToken)).Entries;

    /// <summary>
    /// Reads the ledger line by line, each line bounded by <see cref="MaxLineBytes"/>; a line that is torn, <c>null</c>,
    /// garbage or too long is skipped with a warning, and an unreadable ledger is reported, never thrown.
    /// </summary>
    public static async Task<LedgerContents> LoadAsync(string directory, CancellationToken cancellationToken = default)
    {
        var path = PathIn(directory);
        var kind = NativeFile.KindOf(path);
        if (kind == FileKind.Missing)
        {
            return LedgerContents.Empty;
        }

        // A FIFO or device would block or have effects on open; a symlink is not ours.
        if (kind != FileKind.Regular)
        {
            return new LedgerContents([], [], $"the verification ledger {path} is not a regular file");
        }

        var handle = NativeFile.Open(path, NativeFile.ReadOnly | NativeFile.NonBlocking, out var errno);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            return new LedgerContents([], [], $"cannot read the verification ledger {path}: {NativeFile.Describe(errno)}");
        }

        var entries = new List<LedgerEntry>();
        var warnings = new List<string>();
        try
        {
            await using var stream = new FileStream(handle, FileAccess.Read, 1 << 16);
            await foreach (var (number, line) in LedgerLines.ReadAsync(stream, MaxLineBytes, cancellationToken))
            {
                if (line is null)
                {
                    warnings.Add(Invariant($"skipped line {number} of {path}: longer than {MaxLineBytes / (1 << 20)} MiB"));
                    continue;
                }

                if (ParseEntry(line) is { } entry)
                {
                    entries.Add(entry);
                }
                else if (!IsBlank(line))
                {
                    warnings.Add(Invariant($"skipped line {number} of {path}: not a verification entry (torn or damaged)"));
                }
            }
        }
        catch (IOException ex)
        {
            return new LedgerContents(entries, warnings, $"cannot read the verification ledger {path}: {ex.Message}");
        }

        return new LedgerContents(entries, warnings, null);
    }

    /// <summary>
    /// Appends one entry as a single line, first ending a torn last line so the new entry is not glued onto it. Returns a
    /// warning naming the file when the ledger cannot be written (the verdict itself still stands), else null.
    /// </summary>
    public static Task<string?> AppendAsync(string directory, LedgerEntry entry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathIn(directory);
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, JsonOptions) + "\n");

        // O_NOFOLLOW and mode 0600 at creation: root never writes through a planted link, and the umask cannot widen it.
        using var handle = NativeFile.Open(path, NativeFile.ReadWrite | NativeFile.Append | NativeFile.Create | NativeFile.NonBlocking, out var errno);
        if (handle.IsInvalid)
        {
            return Task.FromResult<string?>(Unwritable(path, NativeFile.Describe(errno)));
        }

        try
        {
            if (NativeFile.KindOf(handle).Kind != FileKind.Regular)
            {
                return Task.FromResult<string?>(Unwritable(path, "it is not a regular file"));
            }

            var length = RandomAccess.GetLength(handle);
            var last = new byte[1];
            var torn = length > 0 && RandomAccess.Read(handle, last, length - 1) == 1 && last[0] != (byte)'\n';
            RandomAccess.Write(handle, torn ? [(byte)'\n', .. line] : line, length);
            return Task.FromResult<string?>(null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult<string?>(Unwritable(path, ex.Message));
        }
    }

    /// <summary>
    /// Appends the verdicts of <paramref name="verdicts"/> that <paramref name="existing"/> (the ledger as read) does not hold
    /// yet, marked as copied from the bucket; returns how many were appended and the warning of a ledger that cannot be written.
    /// </summary>
    public static async Task<(int Recorded, string? Warning)> RecordAsync(
        string directory, IEnumerable<LedgerEntry> verdicts, IReadOnlyList<LedgerEntry> existing, CancellationToken cancellationToken = default)
    {
        var known = existing.Select(Identity).ToHashSet();
        var recorded = 0;
        foreach (var verdict in verdicts)
        {
            if (!known.Add(Identity(verdict)))
            {
                continue;
            }

            if (await AppendAsync(directory, verdict with { Origin = "bucket" }, cancellationToken) is { } warning)
            {
                return (recorded, warning);
            }

            recorded++;
        }

        return (recorded, null);
    }

    /// <summary>The newest healthy entry (optionally of one database) whose dump still exists in the folder, or null.</summary>
    public static async Task<LedgerEntry?> NewestHealthyAsync(string directory, string? database = null, CancellationToken cancellationToken = default)
    {
        var entries = await ReadAsync(directory, cancellationToken);
        return NewestHealthy(entries, database, e => System.IO.File.Exists(Path.Combine(directory, e.File)));
    }

    /// <summary>The newest healthy entry of the entries given (optionally of one database and passing a filter), or null.</summary>
    public static LedgerEntry? NewestHealthy(IEnumerable<LedgerEntry> entries, string? database = null, Func<LedgerEntry, bool>? filter = null) =>
        entries
            .Where(e => e.Healthy && (database is null || string.Equals(e.Database, database, StringComparison.Ordinal)) && (filter?.Invoke(e) ?? true))
            .OrderBy(e => e.VerifiedAt)
            .LastOrDefault();

    /// <summary>One entry as the ledger (and the bucket's verdict objects) store it: camelCase JSON, UTF-8.</summary>
    internal static byte[] Serialize(LedgerEntry entry) => JsonSerializer.SerializeToUtf8Bytes(entry, JsonOptions);

    /// <summary>An entry from one ledger line or verdict object, or null for anything that is not one (never throws).</summary>
    internal static LedgerEntry? ParseEntry(byte[] line)
    {
        try
        {
            // "null", or an object without the required fields, is not an entry.
            var entry = JsonSerializer.Deserialize<LedgerEntry>(line, JsonOptions);
            return entry is { File: not null, Engine: not null } ? entry : null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    // What makes two copies of one verdict the same: the file's bytes, the moment, the outcome, who judged and who signed.
    private static (string, string?, DateTimeOffset, bool, string, string?) Identity(LedgerEntry entry) =>
        (entry.File, entry.Sha256?.ToLowerInvariant(), entry.VerifiedAt, entry.Healthy, entry.Engine, entry.Signature);

    private static bool IsBlank(byte[] line) => line.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r');

    private static string Unwritable(string path, string reason) =>
        $"could not record the verdict in the verification ledger {path}: {reason}; the verdict stands, but status and retention will not know of it";

    private static string Invariant(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
