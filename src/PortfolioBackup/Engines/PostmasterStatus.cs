namespace PortfolioBackup.Engines;

/// <summary>What a starting server's <c>postmaster.pid</c> says about it: read in microseconds, where a refused connection costs milliseconds.</summary>
internal static class PostmasterStatus
{
    /// <summary>
    /// Whether line 8 of <c>postmaster.pid</c> (the postmaster's status, PostgreSQL 10 on: "starting", "ready", "stopping")
    /// says "ready"; false while the file is missing, short or unreadable.
    /// </summary>
    public static bool IsReady(string dataDirectory)
    {
        try
        {
            using var reader = new StreamReader(Path.Combine(dataDirectory, "postmaster.pid"));
            for (var line = 1; line < 8; line++)
            {
                if (reader.ReadLine() is null)
                {
                    return false;
                }
            }

            return reader.ReadLine()?.Trim() == "ready";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
