namespace PortfolioBackup.Compose;

/// <summary>Where to find the production database's image: compose files, the service's name, and the working directory for `.env`.</summary>
public sealed record ComposeOptions
{
    /// <summary>Compose files in order (later files override earlier ones); empty means COMPOSE_FILE or ./docker-compose.yml.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>The database service's name.</summary>
    public string ServiceName { get; init; } = "db";

    /// <summary>The project directory (holds `.env`); the first file's folder when null.</summary>
    public string? ProjectDirectory { get; init; }
}

/// <summary>The image the compose files name for the database service, and where it came from.</summary>
public sealed record ComposeImage(string Image, string ServiceName, IReadOnlyList<string> Files)
{
    /// <summary>The image's major PostgreSQL version when the tag says it (postgres:15, postgres:15.4-alpine, postgis/postgis:16-3.4), else null.</summary>
    public int? MajorVersion
    {
        get
        {
            var tag = Image.Contains(':', StringComparison.Ordinal) ? Image[(Image.LastIndexOf(':') + 1)..] : string.Empty;
            var digits = new string(tag.TakeWhile(char.IsAsciiDigit).ToArray());
            return int.TryParse(digits, System.Globalization.CultureInfo.InvariantCulture, out var major) && major >= 9 ? major : null;
        }
    }
}

/// <summary>The compose files are missing, malformed, lack the service, or the service has no image.</summary>
public sealed class ComposeException : PortfolioBackupException
{
    /// <summary>Creates the exception with a message naming the file and what to fix.</summary>
    public ComposeException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
