using System.Globalization;
using PortfolioBackup.Compose;
using PortfolioBackup.Engines;
using PortfolioBackup.Tools;
using PortfolioBackup.Verification;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>
/// The suite's settings, read only from environment variables (runsettings.xml, test_restore.sh or the caller set them),
/// so <c>dotnet test</c> needs no arguments of its own.
/// </summary>
public sealed record SuiteSettings
{
    /// <summary>How to point the suite at backups, shown whenever there is nothing to verify.</summary>
    public const string Help =
        "Point the verification suite at the folder that holds the backups with BACKUP_DIR, e.g.\n" +
        "  BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/test_restore.sh\n" +
        "or with secrets from Doppler:\n" +
        "  doppler run -- ./scripts/db_backup/test_restore.sh   (with BACKUP_DIR set in the Doppler config)\n" +
        "Take a backup first with ./scripts/db_backup/backup_db.sh if the folder is empty.\n" +
        "Options: VERIFY_LATEST=1 (newest dump only), VERIFY_ENGINE=auto|container|local, VERIFY_IMAGE=postgres:15,\n" +
        "COMPOSE_FILE=docker-compose.yml, VERIFY_SERVICE=db, VERIFY_CONFIG=expectations.json, REPORT=report.json.";

    /// <summary>BACKUP_DIR, or null when unset (the suite then verifies a sample dump it builds itself).</summary>
    public string? BackupDirectory { get; init; }

    /// <summary>VERIFY_LATEST=1: verify only the newest dump.</summary>
    public bool LatestOnly { get; init; }

    /// <summary>VERIFY_ENGINE: auto (default), container or local.</summary>
    public RestoreEngine Engine { get; init; } = RestoreEngine.Auto;

    /// <summary>VERIFY_IMAGE: the production image, beats the compose files.</summary>
    public string? Image { get; init; }

    /// <summary>VERIFY_PROJECT_DIR: where the default compose file and `.env` are looked for (test_restore.sh passes the caller's folder).</summary>
    public string? ProjectDirectory { get; init; }

    /// <summary>COMPOSE_FILE: compose files separated by ':' (as docker compose reads it).</summary>
    public IReadOnlyList<string> ComposeFiles { get; init; } = [];

    /// <summary>VERIFY_SERVICE: the database service in the compose files (default: the config's serviceName).</summary>
    public string? Service { get; init; }

    /// <summary>VERIFY_CONFIG: the expectations JSON file.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>VERIFY_JOBS: parallel pg_restore jobs.</summary>
    public int Jobs { get; init; } = System.Environment.ProcessorCount;

    /// <summary>VERIFY_ALLOW_VERSION_MISMATCH=1: let the local engine run another major than production.</summary>
    public bool AllowVersionMismatch { get; init; }

    /// <summary>VERIFY_TIMEOUT_MINUTES: the longest one dump's verification may take.</summary>
    public TimeSpan DumpTimeout { get; init; } = TimeSpan.FromHours(6);

    /// <summary>REPORT: where to write the verdicts as JSON when the suite ends.</summary>
    public string? ReportPath { get; init; }

    /// <summary>VERIFY_SUMMARY_FILE: where to write the verdicts as text when the suite ends (test_restore.sh prints it).</summary>
    public string? SummaryPath { get; init; }

    /// <summary>
    /// Where the schema snapshots of the verified databases are kept: VERIFY_SNAPSHOT_DIR, else BACKUP_DIR/schema-snapshots;
    /// null for the sample (its snapshot is committed in this project).
    /// </summary>
    public string? SnapshotDirectory { get; init; }

    /// <summary>VERIFY_ALSO_IMAGES: other images each dump is also restored into (upgrade checks that warn).</summary>
    public IReadOnlyList<string> AlsoImages { get; init; } = [];

    /// <summary>
    /// SNAPSHOOTER_STRICT_MODE=on (this repository's CI): the sample's committed snapshot must exist. An operator's folder
    /// always records a database's first snapshot: that first run is how it gets one.
    /// </summary>
    public bool StrictSnapshots { get; init; }

    /// <summary>Settings that could not be read; every test fails with them instead of guessing.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>The environment the settings came from (compose interpolation, PG_BIN_DIR).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Reads the settings of this process.</summary>
    public static SuiteSettings FromEnvironment() => FromEnvironment(EnvironmentVariables.Current());

    /// <summary>Reads the settings from an explicit environment, collecting every invalid value.</summary>
    public static SuiteSettings FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        string? Get(string name) => environment.GetValueOrDefault(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var problems = new List<string>();

        var engine = RestoreEngine.Auto;
        if (Get("VERIFY_ENGINE") is { } engineText && !Enum.TryParse(engineText, ignoreCase: true, out engine))
        {
            problems.Add($"VERIFY_ENGINE={engineText} is not an engine (expected auto, container or local)");
        }

        var jobs = System.Environment.ProcessorCount;
        if (Get("VERIFY_JOBS") is { } jobsText && (!int.TryParse(jobsText, CultureInfo.InvariantCulture, out jobs) || jobs < 1))
        {
            problems.Add($"VERIFY_JOBS={jobsText} is not a number of parallel jobs (expected 1 or more)");
        }

        var timeout = TimeSpan.FromHours(6);
        if (Get("VERIFY_TIMEOUT_MINUTES") is { } minutesText)
        {
            if (double.TryParse(minutesText, CultureInfo.InvariantCulture, out var minutes) && minutes > 0)
            {
                timeout = TimeSpan.FromMinutes(minutes);
            }
            else
            {
                problems.Add($"VERIFY_TIMEOUT_MINUTES={minutesText} is not a number of minutes (expected more than 0)");
            }
        }

        var backupDirectory = Get("BACKUP_DIR");
        return new SuiteSettings
        {
            BackupDirectory = backupDirectory,
            SnapshotDirectory = Get("VERIFY_SNAPSHOT_DIR") ?? (backupDirectory is null ? null : Path.Combine(backupDirectory, "schema-snapshots")),
            StrictSnapshots = backupDirectory is null && Get("SNAPSHOOTER_STRICT_MODE")?.ToLowerInvariant() is "on" or "true",
            LatestOnly = Flag(Get("VERIFY_LATEST"), "VERIFY_LATEST", problems),
            Engine = engine,
            Image = Get("VERIFY_IMAGE"),
            AlsoImages = Get("VERIFY_ALSO_IMAGES")?.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            ComposeFiles = Get("COMPOSE_FILE") is { } files ? files.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [],
            Service = Get("VERIFY_SERVICE"),
            ProjectDirectory = Get("VERIFY_PROJECT_DIR"),
            ConfigPath = Get(VerificationExpectations.EnvironmentVariable),
            Jobs = jobs,
            AllowVersionMismatch = Flag(Get("VERIFY_ALLOW_VERSION_MISMATCH"), "VERIFY_ALLOW_VERSION_MISMATCH", problems),
            DumpTimeout = timeout,
            ReportPath = Get("REPORT"),
            SummaryPath = Get("VERIFY_SUMMARY_FILE"),
            Problems = problems,
            Environment = environment,
        };
    }

    /// <summary>The verifier's options for these settings; dumps are read from (and the ledger kept in) <paramref name="backupDirectory"/>.</summary>
    public VerificationOptions ToVerificationOptions(VerificationExpectations expectations, string backupDirectory) => new()
    {
        Server = new RestoreServerOptions
        {
            Engine = Engine,
            Image = Image,
            Compose = new ComposeOptions { Files = ComposeFiles, ServiceName = Service ?? expectations.ServiceName, ProjectDirectory = ProjectDirectory },
            AllowVersionMismatch = AllowVersionMismatch,
            MountDirectories = [Path.GetFullPath(backupDirectory)],
        },
        Expectations = expectations,
        Jobs = Jobs,
        AlsoImages = AlsoImages,
        LedgerDirectory = backupDirectory,
        DumpTimeout = DumpTimeout,
        KeepRestoredDatabases = true,
        Environment = Environment,

        // backup_*.dump.age files are read with AGE_IDENTITY or AGE_IDENTITY_FILE; without one they fail with a clear verdict.
        Identity = PortfolioBackup.Encryption.AgeIdentity.FromEnvironment(Environment),

        // The verifier signs what it writes to the ledger (VERDICT_SIGNING_KEY) and compares only with verdicts it trusts.
        Signer = PortfolioBackup.Catalog.VerdictSigner.FromEnvironment(Environment),
        Trust = PortfolioBackup.Catalog.VerdictTrust.FromEnvironment(Environment),
    };

    private static bool Flag(string? value, string name, List<string> problems)
    {
        switch (value?.ToLowerInvariant())
        {
            case null or "0" or "false" or "no":
                return false;
            case "1" or "true" or "yes":
                return true;
            default:
                problems.Add($"{name}={value} is not a switch (expected 1 or 0)");
                return false;
        }
    }
}
