namespace PortfolioBackup.Tools;

/// <summary>A PostgreSQL program the operation needs is not installed where the toolkit looked.</summary>
public sealed class ToolNotFoundException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the program and the places searched.</summary>
    public ToolNotFoundException(string tool, IEnumerable<string> searched)
        : base($"{tool} was not found (looked in: {string.Join(", ", searched)}). Install the PostgreSQL client packages " +
               "(e.g. 'apt-get install postgresql-15' or run scripts/setup.sh) or set PG_BIN_DIR to the folder holding it.")
    {
        Tool = tool;
    }

    /// <summary>The program that is missing.</summary>
    public string Tool { get; }
}
