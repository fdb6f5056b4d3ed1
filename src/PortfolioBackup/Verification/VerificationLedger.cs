using System.Text;
using System.Text.Json;

namespace PortfolioBackup.Verification;

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
}

/// <summary>
/// The append-only record of verifications (<c>verification-ledger.jsonl</c> in the backup folder), one JSON object per
/// line; retention and status use it to find the newest backup proven to restore.
/// </summary>
public static class VerificationLedger
{
    /// <summary>The ledger's file name inside the backup folder.</summary>
    public const string FileName = "verification-ledger.jsonl";

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The ledger's path in a backup folder.</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>Every readable entry, oldest first; an empty list when there is no ledger. Lines that do not parse (a torn write) are skipped.</summary>
    public static async Task<IReadOnlyList<LedgerEntry>> ReadAsync(string directory, CancellationToken cancellationToken = default)
    {
        var path = PathIn(directory);
        if (!System.IO.File.Exists(path))
        {
            return [];
        }

        var entries = new List<LedgerEntry>();
        foreach (var line in await System.IO.File.ReadAllLinesAsync(path, cancellationToken))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<LedgerEntry>(line, JsonOptions) is { } entry)
                {
                    entries.Add(entry);
                }
            }
            catch (JsonException)
            {
            }
        }

        return entries;
    }

    /// <summary>Appends one entry as a single line.</summary>
    public static async Task AppendAsync(string directory, LedgerEntry entry, CancellationToken cancellationToken = default)
    {
        var line = JsonSerializer.Serialize(entry, JsonOptions) + "\n";
        await using var stream = new FileStream(PathIn(directory), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
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
}
