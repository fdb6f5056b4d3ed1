namespace PortfolioBackup.Backup;

/// <summary>The server refused the credentials.</summary>
public sealed class DatabaseAuthenticationException : PortfolioBackupException
{
    /// <summary>Creates the exception naming where it tried to connect (never the password).</summary>
    public DatabaseAuthenticationException(string target, string reason, Exception? innerException = null)
        : base($"the server refused to authenticate {target}: {reason}. Check DB_USER and DB_PASSWORD " +
               "(or PGPASSWORD / the password file PGPASSFILE or ~/.pgpass).", innerException)
    {
    }
}
