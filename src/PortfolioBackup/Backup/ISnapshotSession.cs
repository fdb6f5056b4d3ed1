namespace PortfolioBackup.Backup;

/// <summary>
/// A read-only, repeatable-read transaction whose snapshot is exported to pg_dump, so the manifest's row counts, extensions
/// and sequences and the dump see exactly the same data; open until disposed. On the host it is an Npgsql connection
/// (<see cref="SnapshotSession"/>); inside a container, the container's own psql (<see cref="PsqlSnapshotSession"/>).
/// </summary>
internal interface ISnapshotSession : IAsyncDisposable
{
    /// <summary>The exported snapshot id to pass to <c>pg_dump --snapshot</c>.</summary>
    string Snapshot { get; }

    /// <summary>The server's <c>server_version</c>.</summary>
    string ServerVersion { get; }

    /// <summary>The server's major version (15, 17, 18, …).</summary>
    int ServerMajorVersion { get; }

    /// <summary>Installed extensions and their versions, as seen in the snapshot.</summary>
    Task<IReadOnlyList<ExtensionVersion>> ReadExtensionsAsync(CancellationToken cancellationToken);

    /// <summary>The exact row count of every physical table (see <see cref="PhysicalTables"/>) in the snapshot.</summary>
    Task<IReadOnlyList<TableRowCount>> CountRowsAsync(CancellationToken cancellationToken);

    /// <summary>Every column-owned sequence's state and its column's maximum; read before pg_dump starts.</summary>
    Task<IReadOnlyList<SequenceState>> ReadSequencesAsync(CancellationToken cancellationToken);
}
