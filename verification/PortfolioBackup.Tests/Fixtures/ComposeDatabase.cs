using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Fixtures;

/// <summary>
/// A production-like database: a container of a local PostgreSQL image carrying docker compose's labels for a service and
/// a project, no published port, seeded with the portfolio seed in database <c>portfolio</c>. Removed on dispose.
/// </summary>
public sealed class ComposeDatabase : IAsyncDisposable
{
    /// <summary>The superuser password inside the container (the image's POSTGRES_PASSWORD); local socket connections need none.</summary>
    public const string Password = "compose-pw-7Hq2";

    private ComposeDatabase(string name, string service, string project, string image)
    {
        Name = name;
        Service = service;
        Project = project;
        Image = image;
    }

    public string Name { get; }

    public string Service { get; }

    public string Project { get; }

    public string Image { get; }

    /// <summary>Starts the container, waits until the image's init finished and the server answers, then seeds <c>portfolio</c>.</summary>
    public static async Task<ComposeDatabase> StartAsync(string image, string service = "db", string? project = null, bool seed = true)
    {
        project ??= "pbproj" + Guid.NewGuid().ToString("N")[..8];
        var name = $"pb-compose-{project}-{service}";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await ToolRunner.RunCheckedAsync(
            new ToolInvocation("docker",
            [
                "run", "-d", "--name", name, "--label", $"com.docker.compose.service={service}", "--label", $"com.docker.compose.project={project}",
                "--label", "org.testcontainers=true", "--env", "POSTGRES_PASSWORD", image,
            ])
            {
                Environment = new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = Password },
            },
            timeout.Token);
        var database = new ComposeDatabase(name, service, project, image);
        try
        {
            while (true)
            {
                // The image's init phase runs a socket-only server first; ready means init finished and the real server answers.
                var logs = await ToolRunner.RunAsync(new ToolInvocation("docker", ["logs", name]), timeout.Token);
                var ready = await ToolRunner.RunAsync(new ToolInvocation("docker", ["exec", name, "pg_isready", "-U", "postgres"]), timeout.Token);
                if ((logs.StandardOutput + logs.StandardError).Contains("PostgreSQL init process complete", StringComparison.Ordinal) && ready.Succeeded)
                {
                    break;
                }

                await Task.Delay(300, timeout.Token);
            }

            await database.PsqlAsync("CREATE DATABASE portfolio", "postgres");
            if (seed)
            {
                await ToolRunner.RunCheckedAsync(
                    new ToolInvocation("docker", ["exec", "-i", name, "psql", "-U", "postgres", "-d", "portfolio", "-X", "-q", "-v", "ON_ERROR_STOP=1"])
                    {
                        StandardInputFile = Path.Combine(AppContext.BaseDirectory, "Fixtures", "portfolio-seed.sql"),
                    },
                    timeout.Token);
            }

            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs SQL in a database of the container and returns psql's unaligned output.</summary>
    public async Task<string> PsqlAsync(string sql, string database = "portfolio")
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await ToolRunner.RunCheckedAsync(new ToolInvocation("docker", ["exec", Name, "psql", "-U", "postgres", "-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]), timeout.Token);
        return result.StandardOutput.Trim();
    }

    /// <summary>Exact rows of every seeded table, keyed "schema.table" as <see cref="PostgresServerFixture.SeedRowCounts"/>.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountsAsync(string database = "portfolio")
    {
        var rows = new Dictionary<string, long>();
        foreach (var table in PostgresServerFixture.SeedRowCounts.Keys)
        {
            var (schema, name) = (table[..table.IndexOf('.', StringComparison.Ordinal)], table[(table.IndexOf('.', StringComparison.Ordinal) + 1)..]);
            var quoted = $"\"{schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            rows[table] = long.Parse(await PsqlAsync($"SELECT count(*) FROM ONLY {quoted}", database), System.Globalization.CultureInfo.InvariantCulture);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await ToolRunner.RunAsync(new ToolInvocation("docker", ["rm", "-f", "-v", Name]), timeout.Token);
    }
}
