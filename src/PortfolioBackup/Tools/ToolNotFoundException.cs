namespace PortfolioBackup.Tools;

/// <summary>A PostgreSQL program the operation needs is not installed where the toolkit looked.</summary>
public sealed class ToolNotFoundException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the program and the places searched.</summary>
    public ToolNotFoundException(string tool, IEnumerable<string> searched)
        : base($"{tool} was not found (looked in: {string.Join(", ", searched)}). " + Advice(tool))
    {
        Tool = tool;
    }

    // Each missing program has its own remedy; docker is not a PostgreSQL client.
    private static string Advice(string tool) => tool switch
    {
        "docker" => "Install Docker's client (Debian: docker-cli, or run scripts/setup.sh) and make sure the daemon runs; a container target or backup needs it.",
        "age" or "age-keygen" => "Install the Debian package age.",
        _ => "Install the PostgreSQL client packages (e.g. 'apt-get install postgresql-15' or run scripts/setup.sh) or set PG_BIN_DIR to the folder holding it.",
    };

    /// <summary>The program that is missing.</summary>
    public string Tool { get; }
}
