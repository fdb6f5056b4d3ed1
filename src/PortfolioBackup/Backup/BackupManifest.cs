using System.Text.Json;
using System.Text.Json.Serialization;

namespace PortfolioBackup.Backup;

/// <summary>One physical table's exact row count, taken in the dump's own snapshot.</summary>
public sealed record TableRowCount(string Schema, string Name, long Rows)
{
    /// <summary>"schema.name" as written, unquoted; for messages and lookups.</summary>
    [JsonIgnore]
    public string QualifiedName => $"{Schema}.{Name}";
}

/// <summary>An installed extension and its version.</summary>
public sealed record ExtensionVersion(string Name, string Version);

/// <summary>A column-owned sequence's state and its column's maximum (null: empty table or a non-numeric column), read in the dump's snapshot.</summary>
public sealed record SequenceState(
    string Schema,
    string Name,
    long LastValue,
    bool IsCalled,
    string TableSchema,
    string TableName,
    string Column,
    decimal? ColumnMax);

/// <summary>How an encrypted dump was encrypted, and the facts of its plaintext (which never touched a disk).</summary>
public sealed record BackupEncryption
{
    /// <summary>The program that encrypted it: "age".</summary>
    public string Tool { get; init; } = "age";

    /// <summary>The age public keys it was encrypted for (the age header does not name them).</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    /// <summary>Lower-case hex SHA-256 of the custom-format dump before encryption.</summary>
    public required string PlaintextSha256 { get; init; }

    /// <summary>The custom-format dump's size before encryption.</summary>
    public required long PlaintextSizeBytes { get; init; }
}

/// <summary>
/// What is known about a dump beside it (<c>backup_….dump.manifest.json</c>): who wrote it, its size and SHA-256, and the
/// exact row count of every physical table in the same MVCC snapshot as the dump: the truth verification compares against.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>The manifest format this code writes.</summary>
    public const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The dump's file name (no folder).</summary>
    public required string DumpFile { get; init; }

    public required string Database { get; init; }

    /// <summary>The server's <c>server_version</c>, e.g. "15.18 (Debian 15.18-0+deb12u1)".</summary>
    public required string ServerVersion { get; init; }

    /// <summary>The first line of <c>pg_dump --version</c>.</summary>
    public required string PgDumpVersion { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>The dump file's size (the encrypted file's, when encrypted).</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Lower-case hex SHA-256 of the dump file (the encrypted file's, when encrypted).</summary>
    public required string Sha256 { get; init; }

    public required IReadOnlyList<ExtensionVersion> Extensions { get; init; }

    /// <summary>Exact counts of every physical table in user schemas; null when counting was turned off.</summary>
    public IReadOnlyList<TableRowCount>? Tables { get; init; }

    /// <summary>
    /// Every column-owned sequence as pg_dump saw it (a sequence may legitimately be behind its column in the source);
    /// null in manifests written before this was recorded.
    /// </summary>
    public IReadOnlyList<SequenceState>? Sequences { get; init; }

    /// <summary>How the dump was encrypted, with its plaintext's size and SHA-256; null for a plain dump.</summary>
    public BackupEncryption? Encryption { get; init; }

    /// <summary>The exported snapshot pg_dump used, tying the counts to the dump.</summary>
    public string? Snapshot { get; init; }

    /// <summary>Serialises the manifest as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a manifest; throws <see cref="InvalidManifestException"/> with the file named when it is not valid.</summary>
    public static BackupManifest FromJson(string json, string sourceDescription)
    {
        try
        {
            return JsonSerializer.Deserialize<BackupManifest>(json, JsonOptions)
                ?? throw new InvalidManifestException(sourceDescription, "the file holds null");
        }
        catch (JsonException ex)
        {
            throw new InvalidManifestException(sourceDescription, ex.Message, ex);
        }
    }

    /// <summary>A manifest is a few KiB; one larger than this is not ours and is never read into memory.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>
    /// Reads the manifest beside a dump, or returns null when there is none; a manifest that is not a regular file (a FIFO,
    /// a symlink), larger than <see cref="MaxBytes"/> or not valid is an <see cref="InvalidManifestException"/>, never a hang.
    /// </summary>
    public static Task<BackupManifest?> ReadForDumpAsync(string dumpPath, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = BackupFileName.ManifestPathFor(dumpPath);
        var (manifest, problem) = TryRead(path);
        return problem is null ? Task.FromResult(manifest) : throw new InvalidManifestException(path, problem);
    }

    /// <summary>The manifest at <paramref name="path"/>: (null, null) when there is none, else the manifest or why it cannot be one; never throws.</summary>
    public static (BackupManifest? Manifest, string? Problem) TryRead(string path)
    {
        var (text, problem) = Tools.SmallFile.TryRead(path, MaxBytes, followLinks: false);
        return text is null ? (null, problem) : TryParse(text, path);
    }

    /// <summary>A manifest from its text, or why the text is not one; never throws.</summary>
    public static (BackupManifest? Manifest, string? Problem) TryParse(string json, string source)
    {
        try
        {
            return (FromJson(json, source), null);
        }
        catch (InvalidManifestException ex)
        {
            return (null, ex.Problem);
        }
    }
}

/// <summary>A manifest file exists but cannot be parsed.</summary>
public sealed class InvalidManifestException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the manifest and the parse problem.</summary>
    public InvalidManifestException(string path, string problem, Exception? innerException = null)
        : base($"the manifest {path} is not valid ({problem}); delete it to verify the dump without one, or take a new backup", innerException)
    {
        Problem = problem;
    }

    /// <summary>What is wrong with the manifest, without the advice.</summary>
    public string Problem { get; }
}
