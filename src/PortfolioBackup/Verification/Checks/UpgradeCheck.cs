using System.Globalization;
using Npgsql;
using PortfolioBackup.Backup;
using PortfolioBackup.Engines;

namespace PortfolioBackup.Verification.Checks;

/// <summary>A server of another image a dump is also restored into (<c>verify --also-image</c>), or why it could not be started.</summary>
/// <param name="Image">The image, e.g. postgres:18.</param>
/// <param name="Server">The running server, or null when it could not be started.</param>
/// <param name="Problem">Why it could not be started, or null.</param>
public sealed record UpgradeTarget(string Image, IRestoreServer? Server, string? Problem);

/// <summary>
/// <c>upgrade:IMAGE</c>: the dump also restores into a fresh database on another image (the next major, say) with that
/// image's own pg_restore, and holds the expected rows there. Only a logical backup can prove an upgrade path this way. It
/// warns, never fails: the production image alone decides whether the backup is healthy.
/// </summary>
internal sealed class UpgradeCheck(string image) : IVerificationCheck
{
    public string Name => $"upgrade:{image}";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var target = context.Options.UpgradeTargets.FirstOrDefault(t => t.Image == image);
        if (target?.Server is not { } server)
        {
            return CheckResult.Warn(Name, $"not tried: {target?.Problem ?? "no server of this image was started"}");
        }

        var database = $"upgrade_{Guid.NewGuid():N}"[..24];
        await using var maintenance = new NpgsqlConnection(server.ConnectionString("postgres"));
        await maintenance.OpenAsync(cancellationToken);
        await Sql.ExecuteFormattedAsync(maintenance, "SELECT format('CREATE DATABASE %I TEMPLATE template0', @name)", database, cancellationToken);
        try
        {
            return await RestoreAndCountAsync(context, server, database, cancellationToken);
        }
        finally
        {
            await Sql.ExecuteFormattedAsync(maintenance, "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', @name)", database, CancellationToken.None);
        }
    }

    private async Task<CheckResult> RestoreAndCountAsync(CheckContext context, IRestoreServer server, string database, CancellationToken cancellationToken)
    {
        var on = $"{image} (PostgreSQL {server.ServerVersion})";
        await FreshDatabase.PrepareAsync(server, database, (await context.ArchiveAsync()).Entries, cancellationToken);
        await using var connection = new NpgsqlConnection(server.ConnectionString(database));
        await connection.OpenAsync(cancellationToken);

        var mapped = await server.MapDumpAsync(context.ArchivePath, cancellationToken);
        var jobs = Math.Max(1, context.Options.Jobs).ToString(CultureInfo.InvariantCulture);
        var restore = await server.RunToolAsync("pg_restore", [.. FreshDatabase.ThrowawayRestoreOptions, "--exit-on-error", "--no-password", "-j", jobs, "-d", database, mapped], cancellationToken);
        if (!restore.Succeeded)
        {
            return CheckResult.Warn(Name, $"does not restore on {on}: {Sql.FirstError("pg_restore", restore.StandardError, restore.ExitCode)}");
        }

        var counts = await Sql.QueryAsync(connection, PhysicalTables.CountSql, r => (Table: new TableName(r.GetString(0), r.GetString(1)), Rows: r.GetInt64(2)), cancellationToken);
        var found = counts.ToDictionary(c => c.Table, c => c.Rows);
        var expected = await context.ExpectedRowsAsync();
        var differences = expected.OrderBy(e => e.Key)
            .Where(e => found.GetValueOrDefault(e.Key, -1) != e.Value)
            .Select(e => found.TryGetValue(e.Key, out var rows) ? $"{e.Key}: expected {CheckText.Count(e.Value)} rows, found {CheckText.Count(rows)}" : $"{e.Key}: missing")
            .ToList();
        return differences.Count > 0
            ? CheckResult.Warn(Name, $"restores on {on}, but {string.Join("; ", differences)}")
            : CheckResult.Pass(Name, $"restores on {on}: {counts.Count} tables, {CheckText.Count(counts.Sum(c => c.Rows))} rows as expected");
    }
}
