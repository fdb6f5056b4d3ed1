using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Verification;

/// <summary>A SQL query that must return true on a restored database, e.g. "every image belongs to a user".</summary>
public sealed record SmokeQuery(string Name, string Sql);

/// <summary>What a healthy restored portfolio database must contain; read from a JSON file or the built-in defaults.</summary>
public sealed record VerificationExpectations
{
    /// <summary>The environment variable naming the expectations file when <c>--config</c> is not given.</summary>
    public const string EnvironmentVariable = "VERIFY_CONFIG";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The built-in expectations for the portfolio app.</summary>
    public static VerificationExpectations Default { get; } = new();

    /// <summary>Extensions that must be installed after restore (plpgsql is also run).</summary>
    public IReadOnlyList<string> RequiredExtensions { get; init; } = ["plpgsql"];

    /// <summary>Tables ("schema.name", unquoted) that must exist after restore.</summary>
    public IReadOnlyList<string> RequiredTables { get; init; } = ["public.users", "public.images", "public.migrations"];

    /// <summary>Minimum row counts per table, used when the dump has no manifest with exact counts.</summary>
    public IReadOnlyDictionary<string, long> MinimumRows { get; init; } = new Dictionary<string, long>
    {
        ["public.users"] = 1,
        ["public.migrations"] = 1,
        ["public.images"] = 0,
    };

    /// <summary>
    /// Queries that must each return true on the restored database. None by default: a query assumes columns the app may
    /// not have (see <c>verification/examples/portfolio-verify.json</c> for one).
    /// </summary>
    public IReadOnlyList<SmokeQuery> SmokeQueries { get; init; } = [];

    /// <summary>The required tables as names (quoted parts read as such: <c>"my.schema".users</c>).</summary>
    [JsonIgnore]
    public IReadOnlyList<TableName> RequiredTableNames => RequiredTables.Select(TableName.Parse).Distinct().ToList();

    /// <summary>The minimum row counts by table name.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<TableName, long> MinimumTableRows =>
        MinimumRows.GroupBy(m => TableName.Parse(m.Key)).ToDictionary(g => g.Key, g => g.Max(m => m.Value));

    /// <summary>The longest a restore may take, in seconds; no limit when null.</summary>
    public double? RestoreBudgetSeconds { get; init; }

    /// <summary>The compose service of the database.</summary>
    public string ServiceName { get; init; } = "db";

    /// <summary>The largest share of a table's rows that may disappear since the last healthy verified backup (0.5 = half).</summary>
    public double MaxRowDropShare { get; init; } = 0.5;

    /// <summary>Reads the expectations from <paramref name="configPath"/>, else the file named by VERIFY_CONFIG, else the defaults.</summary>
    public static async Task<VerificationExpectations> LoadAsync(
        string? configPath,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        var path = !string.IsNullOrWhiteSpace(configPath) ? configPath
            : environment.GetValueOrDefault(EnvironmentVariable) is { Length: > 0 } fromEnv ? fromEnv
            : null;
        if (path is null)
        {
            return Default;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var (json, problem) = Tools.SmallFile.TryRead(path, 1 << 20, followLinks: true);
        return problem is not null ? throw Invalid(path, $"it cannot be read ({problem})")
            : json is null ? throw Invalid(path, "it cannot be read (it does not exist)")
            : Parse(json, path);
    }

    /// <summary>Parses and validates expectations JSON; <paramref name="source"/> names the file in errors.</summary>
    public static VerificationExpectations Parse(string json, string source)
    {
        VerificationExpectations? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<VerificationExpectations>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw Invalid(source, ex.Message);
        }

        if (parsed is null)
        {
            throw Invalid(source, "it holds null instead of an object");
        }

        var problems = parsed.Validate().Select(p => $"{source}: {p}").ToList();
        return problems.Count == 0 ? parsed : throw new ConfigurationException(problems, Help);
    }

    private const string Help = "The verification config is JSON, e.g. {\"requiredTables\": [\"public.users\"], \"minimumRows\": {\"public.users\": 1}, " +
                                "\"smokeQueries\": [{\"name\": \"has-admin\", \"sql\": \"SELECT EXISTS (SELECT 1 FROM public.users)\"}], \"restoreBudgetSeconds\": 600, \"maxRowDropShare\": 0.5}.";

    private static ConfigurationException Invalid(string path, string problem) =>
        new([$"the verification config {path} is not valid: {problem}"], Help);

    private IEnumerable<string> Validate()
    {
        // Properties missing from JSON keep their defaults, but an explicit null must not slip through.
        if (RequiredExtensions is null || RequiredExtensions.Any(string.IsNullOrWhiteSpace))
        {
            yield return "requiredExtensions must be a list of extension names";
        }

        if (RequiredTables is null || RequiredTables.Any(t => !TableName.TryParse(t, out _)))
        {
            yield return "requiredTables must be a list of \"schema.table\" names (a part holding a dot is double-quoted: \"my.schema\".table)";
        }

        if (MinimumRows is null || MinimumRows.Any(m => !TableName.TryParse(m.Key, out _) || m.Value < 0))
        {
            yield return "minimumRows must map \"schema.table\" to a count of 0 or more";
        }

        if (SmokeQueries is null || SmokeQueries.Any(q => q is null || string.IsNullOrWhiteSpace(q.Name) || string.IsNullOrWhiteSpace(q.Sql)))
        {
            yield return "smokeQueries must be a list of {\"name\": …, \"sql\": …} with both set";
        }

        if (RestoreBudgetSeconds is <= 0)
        {
            yield return $"restoreBudgetSeconds must be more than 0 (found {RestoreBudgetSeconds})";
        }

        if (MaxRowDropShare is < 0 or > 1 || double.IsNaN(MaxRowDropShare))
        {
            yield return $"maxRowDropShare must be between 0 and 1 (found {MaxRowDropShare})";
        }

        if (string.IsNullOrWhiteSpace(ServiceName))
        {
            yield return "serviceName must not be empty";
        }
    }
}
