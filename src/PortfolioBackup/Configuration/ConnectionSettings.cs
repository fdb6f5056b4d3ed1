using System.Globalization;
using System.Text;
using Npgsql;

namespace PortfolioBackup.Configuration;

/// <summary>Where the database is and who connects; the password never appears in <see cref="ToString"/> or messages.</summary>
public sealed record ConnectionSettings
{
    /// <summary>Server host name or address.</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>Server TCP port.</summary>
    public int Port { get; init; } = 5432;

    /// <summary>Role to connect as.</summary>
    public string User { get; init; } = "postgres";

    /// <summary>Database to back up.</summary>
    public string Database { get; init; } = "portfolio";

    /// <summary>The password, or null to rely on a password file or trust authentication.</summary>
    public string? Password { get; init; }

    /// <summary>An explicit libpq password file (<c>PGPASSFILE</c>), or null for the default <c>~/.pgpass</c>.</summary>
    public string? PassFile { get; init; }

    /// <summary>
    /// Startup options of every connection we open: a database or role may set timeouts meant for the app, and they would
    /// cancel a long dump, count or restore. Startup options win over ALTER DATABASE/ROLE SET and apply before the first
    /// query (pg_dump's own SET statement_timeout = 0 comes after one query, which a tiny timeout already cancels).
    /// </summary>
    public const string NoTimeoutsOptions = "-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0";

    /// <summary>The libpq variables that point pg_dump and friends at this server; the password travels only here.</summary>
    public IReadOnlyDictionary<string, string?> ToolEnvironment()
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGHOST"] = Host,
            ["PGPORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["PGUSER"] = User,
            ["PGDATABASE"] = Database,
            ["PGOPTIONS"] = NoTimeoutsOptions,
        };
        if (Password is not null)
        {
            env["PGPASSWORD"] = Password;
        }

        if (PassFile is not null)
        {
            env["PGPASSFILE"] = PassFile;
        }

        return env;
    }

    /// <summary>An Npgsql connection string for this server; without a password it uses the password file as libpq would.</summary>
    public string NpgsqlConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = User,
            Database = Database,
            ApplicationName = "portfolio-backup",
            // Backups must not hold a pooled connection (and its snapshot) past the run.
            Pooling = false,
            Timeout = 15,
            Options = NoTimeoutsOptions,
        };
        if (Password is not null)
        {
            builder.Password = Password;
        }
        else
        {
            var defaultPassFile = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pgpass");
            var passFile = PassFile ?? (File.Exists(defaultPassFile) ? defaultPassFile : null);
            if (passFile is not null)
            {
                builder.Passfile = passFile;
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>"host:port/database as user", for messages.</summary>
    public string Describe() => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/{Database} as {User}";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Host = {Host}, Port = {Port}, User = {User}, Database = {Database}, ");
        builder.Append("Password = ").Append(Password is null ? "(none)" : "***");
        builder.Append(", PassFile = ").Append(PassFile ?? "(default)");
        return true;
    }
}
