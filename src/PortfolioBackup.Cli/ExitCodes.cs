namespace PortfolioBackup.Cli;

/// <summary>The command line's exit codes, the contract cron jobs and CI rely on.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;
}
