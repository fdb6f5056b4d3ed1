namespace PortfolioBackup.Backup;

/// <summary>The database server could not be reached (down, wrong host or port, or the database does not exist).</summary>
public sealed class DatabaseUnreachableException : PortfolioBackupException
{
    /// <summary>Creates the exception naming where it tried to connect (never the password).</summary>
    public DatabaseUnreachableException(string target, string reason, Exception? innerException = null)
        : base($"cannot connect to {target}: {reason}. Check that the server is running and DB_HOST, DB_PORT and DB_NAME " +
               "(or --host, --port, --dbname) point at it.", innerException)
    {
    }
}
