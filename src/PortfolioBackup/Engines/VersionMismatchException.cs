namespace PortfolioBackup.Engines;

/// <summary>The local PostgreSQL programs are of another major than the production image, so a restore there would prove nothing about production.</summary>
public sealed class VersionMismatchException : PortfolioBackupException
{
    /// <summary>Creates the exception naming both majors and the ways out.</summary>
    public VersionMismatchException(string image, int productionMajor, string installed)
        : base($"the production image {image} runs PostgreSQL {productionMajor}, but the local engine has {installed}. " +
               $"Install PostgreSQL {productionMajor} (e.g. 'apt-get install postgresql-{productionMajor}'), use '--engine container', " +
               "or pass '--allow-version-mismatch' to verify on another major anyway.")
    {
        ProductionMajor = productionMajor;
    }

    /// <summary>The production image's major version.</summary>
    public int ProductionMajor { get; }
}
