namespace PortfolioBackup.Engines;

/// <summary>How to start a throwaway PostgreSQL server from local binaries.</summary>
public sealed record LocalServerOptions
{
    /// <summary>The PostgreSQL major version wanted; the newest installed one when null.</summary>
    public int? MajorVersion { get; init; }

    /// <summary>The superuser's name.</summary>
    public string Superuser { get; init; } = "postgres";

    /// <summary>
    /// When set, the server also listens on 127.0.0.1 and TCP connections need this password (scram-sha-256); when null
    /// (a verification server) it listens only on its socket, in a 0700 folder, with peer authentication.
    /// </summary>
    public string? SuperuserPassword { get; init; }

    /// <summary>Durability off (fsync, full_page_writes, synchronous_commit, WAL minimal, autovacuum): right for a server that is thrown away.</summary>
    public bool TunedForRestore { get; init; } = true;

    /// <summary>Folder under which the cluster's directory is made; the system temp folder when null.</summary>
    public string? ParentDirectory { get; init; }

    /// <summary>The OS account that runs initdb and postgres when this process is root.</summary>
    public string ServerOsUser { get; init; } = "postgres";

    /// <summary>How long to wait for the server to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Put the cluster in RAM (<see cref="DataPlacement.RamDirectory"/>) when <see cref="ParentDirectory"/> is not set; <see cref="DataPlacement.ShouldUseRam"/> decides when that is safe.</summary>
    public bool DataOnRam { get; init; }

    /// <summary>
    /// Folder caching one pristine initdb cluster per (major, superuser) that each new trusted server copies instead of
    /// running initdb; null runs initdb every time. Servers with a password always run initdb (no hash is cached).
    /// One per OS user: a folder root made is not writable by a normal user, and one user's cluster must not seed another's
    /// (the folder stays traversable: as root, the postgres account builds the cluster inside it).
    /// </summary>
    public string? PristineCacheDirectory { get; init; } = $"/var/tmp/portfolio-backup-{Environment.UserName}";

    /// <summary>
    /// Leaves the cluster's folder, once the server has stopped, to our watchdog, which removes it the moment this process
    /// ends, instead of deleting it at disposal: for a process that ends right after (the command line), where deleting a
    /// restored database is time spent on nothing. Deleted at disposal all the same when the watchdog is not running; a
    /// process that lives on (a test host, a service) keeps the default, or its folders would wait for its end.
    /// </summary>
    public bool RemoveFolderAfterExit { get; init; }

    /// <summary>How often to try connecting while the server starts.</summary>
    public TimeSpan ReadinessPollInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Extra server settings passed as <c>-c name=value</c>.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
