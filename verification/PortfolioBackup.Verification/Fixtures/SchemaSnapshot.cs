using System.Runtime.CompilerServices;
using System.Text.Json;
using PortfolioBackup.Verification;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>
/// The recorded shape of one database (<see cref="RestoredSchema"/> lines), one file per database: the sample's in this
/// project's <c>__snapshots__</c> (committed), a production database's in the operator's folder (VERIFY_SNAPSHOT_DIR, else
/// <c>BACKUP_DIR/schema-snapshots</c>), recorded on its first run, so a read-only checkout or one checkout verifying several
/// databases works.
/// </summary>
public sealed record SchemaSnapshot(string Database, IReadOnlyList<string> Schema)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The folder of the sample's committed snapshot (this project's source folder, found from this file's path).</summary>
    public static string SampleFolder() => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(ThisFile())!)!, "__snapshots__");

    private static string ThisFile([CallerFilePath] string path = "") => path;

    /// <summary>
    /// The snapshot file of a database in a folder: the name kept as it is where it is safe in a file name, every other
    /// character as %XX of its UTF-8 bytes, so no two databases ("sh.op", "sh op") ever share a file.
    /// </summary>
    public static string PathFor(string folder, string database) =>
        Path.Combine(folder, $"{string.Concat(System.Text.Encoding.UTF8.GetBytes(database).Select(b => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'-' ? ((char)b).ToString() : $"%{b:X2}"))}.schema.json");

    /// <summary>
    /// Compares with the recorded snapshot: null when it matches or was just recorded (<paramref name="strict"/> off), else why
    /// not (the changes, and the one command that accepts them).
    /// </summary>
    public async Task<string?> CompareOrRecordAsync(string folder, bool strict, CancellationToken cancellationToken = default)
    {
        var path = PathFor(folder, Database);
        var (text, unreadable) = PortfolioBackup.Tools.SmallFile.TryRead(path, 16 << 20, followLinks: false);
        if (unreadable is not null)
        {
            return $"the schema snapshot {path} cannot be read ({unreadable}); remove it (the next run records the schema as it is then)";
        }

        if (text is null)
        {
            if (strict)
            {
                return $"no schema snapshot of database {Database} at {path} (strict mode: a missing snapshot is not recorded); run once without SNAPSHOOTER_STRICT_MODE to record it";
            }

            try
            {
                Directory.CreateDirectory(folder);
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(this, JsonOptions) + "\n", cancellationToken);
                return null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"the schema snapshot of database {Database} cannot be recorded at {path} ({ex.Message}); set VERIFY_SNAPSHOT_DIR to a writable folder";
            }
        }

        SchemaSnapshot? recorded;
        try
        {
            recorded = JsonSerializer.Deserialize<SchemaSnapshot>(text, JsonOptions);
        }
        catch (JsonException ex)
        {
            return $"the schema snapshot {path} is not one ({ex.Message}); remove it (the next run records the schema as it is then)";
        }

        var changes = RestoredSchema.Diff(recorded?.Schema ?? [], Schema);
        return changes.Count == 0
            ? null
            : $"the schema of database {Database} differs from the snapshot {path}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", changes)}{Environment.NewLine}" +
              $"If the change is intended, accept it with: rm '{path}' (the next run records the schema as it is now).";
    }
}
