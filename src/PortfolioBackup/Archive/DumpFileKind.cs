namespace PortfolioBackup.Archive;

/// <summary>What a file given as a dump actually is.</summary>
public enum DumpFileKind
{
    /// <summary>A custom-format archive (<c>pg_dump -Fc</c>) whose header reads whole.</summary>
    Custom,

    /// <summary>The file does not exist.</summary>
    Missing,

    /// <summary>The file exists but cannot be read (permissions).</summary>
    Unreadable,

    /// <summary>A zero-byte file.</summary>
    Empty,

    /// <summary>A plain SQL script (<c>pg_dump</c> without <c>-Fc</c>).</summary>
    PlainSql,

    /// <summary>A tar-format archive (<c>pg_dump -Ft</c>).</summary>
    Tar,

    /// <summary>A directory-format archive (<c>pg_dump -Fd</c>).</summary>
    Directory,

    /// <summary>Starts like a custom archive but ends inside the header.</summary>
    Truncated,

    /// <summary>A custom archive of a version this reader does not know.</summary>
    UnsupportedVersion,

    /// <summary>Not a regular file: a FIFO, a socket or a device (also through a symbolic link); never opened, so never waited on.</summary>
    NotARegularFile,

    /// <summary>An age-encrypted file (<c>….dump.age</c>), read only through an identity.</summary>
    Encrypted,

    /// <summary>Anything else (random bytes, another program's file).</summary>
    NotADump,
}
