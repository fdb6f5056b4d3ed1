using PortfolioBackup.Configuration;
using PortfolioBackup.Containers;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Backup;

/// <summary>
/// Where a backup reads from, and the one difference between the two places: on the host, an Npgsql snapshot session and
/// the host's pg_dump of the server's major (or newer); inside the database's container (<c>--compose-service</c>,
/// <c>--container</c>), the container's own psql and pg_dump, always the server's own version, no port published, no
/// client installed. Everything after (the atomic writer, encryption, the manifest, the upload) is the same code.
/// </summary>
internal abstract class BackupSource
{
    /// <summary>The source for these settings.</summary>
    public static BackupSource For(BackupSettings settings) =>
        settings.Container is { } selector ? new ContainerBackupSource(selector, settings.Connection) : new HostBackupSource(settings.Connection);

    /// <summary>What is backed up, for messages.</summary>
    public abstract string Describe();

    /// <summary>Opens the snapshot session (connecting first, so an unreachable server leaves no trace on disk).</summary>
    public abstract Task<ISnapshotSession> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The first line of the pg_dump that will dump <paramref name="session"/>'s snapshot.</summary>
    public abstract Task<string> PgDumpVersionAsync(ISnapshotSession session, CancellationToken cancellationToken);

    /// <summary>pg_dump of the snapshot, custom format, into <paramref name="outputFile"/>, or to its stdout when null (the age pipe).</summary>
    public abstract ToolInvocation PgDump(string snapshot, string? outputFile);

    /// <summary>The first line of a <c>pg_dump --version</c> output.</summary>
    protected static string FirstLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "pg_dump (unknown version)";

    /// <summary>Options every backup's pg_dump gets, wherever it runs.</summary>
    protected static IReadOnlyList<string> DumpOptions(string snapshot) => ["--format=custom", "--no-owner", "--no-privileges", $"--snapshot={snapshot}"];
}

/// <summary>The server the host reaches (DB_HOST, DB_PORT), dumped with the host's pg_dump.</summary>
internal sealed class HostBackupSource(ConnectionSettings connection) : BackupSource
{
    private PgBinaries? _binaries;

    public override string Describe() => connection.Describe();

    public override async Task<ISnapshotSession> OpenAsync(CancellationToken cancellationToken) => await SnapshotSession.OpenAsync(connection, cancellationToken);

    public override async Task<string> PgDumpVersionAsync(ISnapshotSession session, CancellationToken cancellationToken)
    {
        _binaries = ChoosePgDump(session);
        var result = await ToolRunner.RunCheckedAsync(new ToolInvocation(_binaries.PathOf("pg_dump"), ["--version"]), cancellationToken);
        return FirstLine(result.StandardOutput);
    }

    public override ToolInvocation PgDump(string snapshot, string? outputFile)
    {
        var environment = new Dictionary<string, string?>(connection.ToolEnvironment(), StringComparer.Ordinal);

        // The child sees exactly the configured credentials, never a stray inherited password.
        environment.TryAdd("PGPASSWORD", null);
        var binaries = _binaries ?? throw new InvalidOperationException("the pg_dump version is read first");
        return new ToolInvocation(binaries.PathOf("pg_dump"), [.. DumpOptions(snapshot), .. outputFile is null ? Array.Empty<string>() : ["--file", outputFile]])
        {
            Environment = environment,
            Secrets = connection.Password is null ? [] : [connection.Password],
        };
    }

    private static PgBinaries ChoosePgDump(ISnapshotSession session)
    {
        PgBinaries binaries;
        try
        {
            // The same major as the server writes the archive version its own pg_restore reads; a newer one also works.
            binaries = PgBinaries.Discover(session.ServerMajorVersion);
        }
        catch (ToolNotFoundException)
        {
            binaries = PgBinaries.Discover();
        }

        if (binaries.MajorVersion < session.ServerMajorVersion)
        {
            throw new PgDumpTooOldException(binaries.MajorVersion, binaries.PathOf("pg_dump"), session.ServerMajorVersion, session.ServerVersion);
        }

        return binaries;
    }
}

/// <summary>The database inside a running container, dumped with the container's own tools over its own socket.</summary>
internal sealed class ContainerBackupSource(ContainerSelector selector, ConnectionSettings connection) : BackupSource
{
    private string? _container;

    private string Container => _container ?? throw new InvalidOperationException("the container is found when the session opens");

    public override string Describe() =>
        $"{connection.Database} in {(_container is null ? selector.Describe() : $"container {_container}{(selector.ComposeService is { } service ? $" (compose service {service})" : string.Empty)}")} as {connection.User}";

    public override async Task<ISnapshotSession> OpenAsync(CancellationToken cancellationToken)
    {
        _container = await selector.ResolveAsync(cancellationToken);
        return await PsqlSnapshotSession.OpenAsync(_container, connection, Describe(), selector.ExecUser, cancellationToken);
    }

    public override async Task<string> PgDumpVersionAsync(ISnapshotSession session, CancellationToken cancellationToken)
    {
        var result = await ToolRunner.RunCheckedAsync(ContainerExec.Invocation(Container, connection, "pg_dump", ["--version"], execUser: selector.ExecUser), cancellationToken);
        return FirstLine(result.StandardOutput);
    }

    // The dump streams out of the container on stdout: into the file, or into age; nothing is written inside the container,
    // and the container's pg_dump dies with us (tethered), never dumping on to nobody after a failure or a kill.
    public override ToolInvocation PgDump(string snapshot, string? outputFile) =>
        ContainerExec.Tethered(Container, connection, "pg_dump", [.. DumpOptions(snapshot), "--no-password"], selector.ExecUser) with { StandardOutputFile = outputFile };
}
