using Npgsql;
using PortfolioBackup.Backup;
using PortfolioBackup.Configuration;
using PortfolioBackup.Engines;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>
/// The dump the suite verifies when BACKUP_DIR is unset (the solution's own test run): a throwaway local cluster seeded
/// with the portfolio seed, backed up by the real backup engine into a temporary BACKUP_DIR.
/// </summary>
public sealed class SampleBackup : IAsyncDisposable
{
    /// <summary>The database the sample is taken from; its schema snapshot is kept apart from production's.</summary>
    public const string Database = "portfolio_sample";

    /// <summary>The sample's fixed time, so discovery knows its file name before the dump exists.</summary>
    public static readonly DateTimeOffset TakenAt = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private SampleBackup(string directory, BackupResult result)
    {
        Directory = directory;
        Result = result;
    }

    /// <summary>The sample dump's file name.</summary>
    public static string FileName => BackupFileName.For(TakenAt);

    /// <summary>The temporary BACKUP_DIR holding the sample dump and its manifest.</summary>
    public string Directory { get; }

    /// <summary>What the backup engine wrote.</summary>
    public BackupResult Result { get; }

    /// <summary>Seeds a throwaway cluster and backs it up; the cluster is gone when this returns.</summary>
    public static async Task<SampleBackup> CreateAsync(CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"portfolio-sample-{Guid.NewGuid():N}"[..30]);
        var password = Guid.NewGuid().ToString("N");
        try
        {
            await using var server = await LocalPostgresServer.StartAsync(
                new LocalServerOptions { SuperuserPassword = password, TunedForRestore = false },
                cancellationToken);
            await using (var admin = await server.OpenConnectionAsync("postgres", cancellationToken))
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", admin);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var seed = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Sample", "portfolio-seed.sql"), cancellationToken);
            await using (var connection = await server.OpenConnectionAsync(Database, cancellationToken))
            {
                await using var command = new NpgsqlCommand(seed, connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            var result = await BackupRunner.RunAsync(
                new BackupOptions
                {
                    Settings = new BackupSettings
                    {
                        BackupDirectory = directory,
                        Connection = new ConnectionSettings
                        {
                            Host = server.Host,
                            Port = server.Port,
                            User = server.Superuser,
                            Database = Database,
                            Password = password,
                        },
                    },
                    Clock = new FixedClock(TakenAt),
                },
                cancellationToken);
            return new SampleBackup(directory, result);
        }
        catch
        {
            Delete(directory);
            throw;
        }
    }

    /// <summary>Deletes the temporary BACKUP_DIR.</summary>
    public ValueTask DisposeAsync()
    {
        Delete(Directory);
        return ValueTask.CompletedTask;
    }

    private static void Delete(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless; failing the suite over it is not.
        }
    }

    /// <summary>A clock stopped at one instant, so the sample's file name is known in advance.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
