namespace PortfolioBackup.Engines;

/// <summary>A throwaway PostgreSQL server could not be created or did not become ready; the message carries the server's own log.</summary>
public sealed class ServerStartException : PortfolioBackupException
{
    /// <summary>Creates the exception with the reason and the server's log tail.</summary>
    public ServerStartException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
