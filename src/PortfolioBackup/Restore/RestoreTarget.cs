using PortfolioBackup.Configuration;

namespace PortfolioBackup.Restore;

/// <summary>Which database a restore replaces: a direct connection, or a database inside a running container.</summary>
public sealed record RestoreTarget
{
    /// <summary>The database, role and password; for a container only <c>User</c>, <c>Database</c> and <c>Password</c> are used (the container's own socket is the connection).</summary>
    public required ConnectionSettings Connection { get; init; }

    /// <summary>The running container to restore inside, by name; null for a direct connection.</summary>
    public string? Container { get; init; }

    /// <summary>The compose service the container was found by, for messages; null when named directly or not a container.</summary>
    public string? ComposeService { get; init; }

    /// <summary>"host:port/database as user" or "database in container NAME as user", for messages.</summary>
    public string Describe() => Container is null
        ? Connection.Describe()
        : $"{Connection.Database} in container {Container}{(ComposeService is null ? string.Empty : $" (compose service {ComposeService})")} as {Connection.User}";
}
