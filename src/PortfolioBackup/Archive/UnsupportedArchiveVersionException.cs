namespace PortfolioBackup.Archive;

/// <summary>A custom-format archive whose version this reader does not know (too old, or written by a newer pg_dump).</summary>
public sealed class UnsupportedArchiveVersionException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the version found and the supported range.</summary>
    public UnsupportedArchiveVersionException(Version version)
        : base($"archive version {version.ToString(3)} is not supported (this reader knows {ArchiveHeader.OldestSupported.ToString(2)} to {ArchiveHeader.NewestSupported.ToString(2)}); " +
               "a newer version means the dump was written by a newer pg_dump than this tool knows")
    {
        Version = version;
    }

    /// <summary>The archive version found in the file.</summary>
    public Version Version { get; }
}
