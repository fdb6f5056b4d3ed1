using Npgsql;
using PortfolioBackup.Engines;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>
/// One real PostgreSQL server (local binaries, throwaway cluster, password auth over TCP) shared by a test collection;
/// each test takes a fresh database cloned from a seeded template.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public const string TemplateDatabase = "portfolio_template";

    /// <summary>Exact row counts of every physical table the seed creates, keyed "schema.table".</summary>
    public static readonly IReadOnlyDictionary<string, long> SeedRowCounts = new Dictionary<string, long>
    {
        ["public.users"] = 25,
        ["public.images"] = 137,
        ["public.migrations"] = 3,
        ["Reporting Ünits.Order Items"] = 7,
        ["public.select"] = 2,
        ["public.CamelCase"] = 4,
        ["public.measurements_2024"] = 30,
        ["public.measurements_2025"] = 30,
        ["public.cities"] = 3,
        ["public.capitals"] = 2,
    };

    private int _databaseCounter;

    /// <summary>The superuser password; tests assert it never shows up in output.</summary>
    public string Password { get; } = "s3cret-" + Guid.NewGuid().ToString("N")[..12];

    public LocalPostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Server = await LocalPostgresServer.StartAsync(new LocalServerOptions { SuperuserPassword = Password, TunedForRestore = false }, timeout.Token);
        await ExecuteAsync("postgres", $"CREATE DATABASE {TemplateDatabase}");
        var seed = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "portfolio-seed.sql"), timeout.Token);
        await ExecuteAsync(TemplateDatabase, seed);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>Creates a fresh database for one test: a copy of the seeded template, or empty.</summary>
    public async Task<string> CreateDatabaseAsync(bool seeded = true)
    {
        var name = $"test_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid():N}"[..30];
        await ExecuteAsync("postgres", seeded ? $"CREATE DATABASE {name} TEMPLATE {TemplateDatabase}" : $"CREATE DATABASE {name}");
        return name;
    }

    /// <summary>Runs SQL (one or many statements) in a database.</summary>
    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = await Server.OpenConnectionAsync(database);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a scalar query in a database.</summary>
    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = await Server.OpenConnectionAsync(database);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The environment the CLI sees when pointed at one database of this server (DB_* variables, password included).</summary>
    public Dictionary<string, string?> CliEnvironment(string database, string backupDir) => new(StringComparer.Ordinal)
    {
        ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
        ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
        ["BACKUP_DIR"] = backupDir,
        ["DB_HOST"] = Server.Host,
        ["DB_PORT"] = Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["DB_USER"] = Server.Superuser,
        ["DB_NAME"] = database,
        ["DB_PASSWORD"] = Password,
    };
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "postgres";
}
