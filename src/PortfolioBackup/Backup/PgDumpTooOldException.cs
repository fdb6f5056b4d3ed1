namespace PortfolioBackup.Backup;

/// <summary>The local pg_dump is older than the server; pg_dump refuses to dump newer servers.</summary>
public sealed class PgDumpTooOldException : PortfolioBackupException
{
    /// <summary>Creates the exception naming both versions.</summary>
    public PgDumpTooOldException(int pgDumpMajor, string pgDumpPath, int serverMajor, string serverVersion)
        : base($"the local pg_dump ({pgDumpPath}) is PostgreSQL {pgDumpMajor}, older than the server (PostgreSQL {serverVersion}); " +
               $"install the PostgreSQL {serverMajor} client (e.g. 'apt-get install postgresql-client-{serverMajor}') or set PG_BIN_DIR to its bin folder.")
    {
        PgDumpMajor = pgDumpMajor;
        ServerMajor = serverMajor;
    }

    /// <summary>The local pg_dump's major version.</summary>
    public int PgDumpMajor { get; }

    /// <summary>The server's major version.</summary>
    public int ServerMajor { get; }
}
