namespace PortfolioBackup.Engines;

/// <summary>The container engine cannot do its job: Docker is unavailable, the image is missing, or the container cannot be reached.</summary>
public sealed class ContainerEngineException : PortfolioBackupException
{
    /// <summary>Creates the exception with what is wrong and what to do.</summary>
    public ContainerEngineException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
