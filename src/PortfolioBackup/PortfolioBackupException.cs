namespace PortfolioBackup;

/// <summary>Base of every failure the toolkit reports; the message says what went wrong and what to do next.</summary>
public abstract class PortfolioBackupException : Exception
{
    /// <summary>Creates the exception with a message a user can act on.</summary>
    protected PortfolioBackupException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
