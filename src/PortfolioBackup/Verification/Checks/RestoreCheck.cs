using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PortfolioBackup.Engines;
using PortfolioBackup.Verification.Loading;

namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>restore</c>: the dump restores into a fresh database with the target's own <c>pg_restore</c>, as a restore into a new
/// database does (<see cref="FreshDatabase"/>), stopping at the first error; with the parallel loader, the plain COPY rows
/// arrive over N connections between pg_restore's schema and its indexes. It needs only the table of contents to start, so the
/// full tier starts it beside the quick checks (<see cref="IOverlappingCheck"/>); the parallel loader waits for the whole read.
/// </summary>
internal sealed class RestoreCheck : IOverlappingCheck
{
    public string Name => "restore";

    public CheckNeeds Needs => CheckNeeds.Target;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var server = context.Server ?? throw new InvalidOperationException("the restore check needs a throwaway server");
        if (await context.TocAsync() is not { } toc)
        {
            // Only an early start gets here (the toc check fails on such a file), and its result is then thrown away.
            return CheckResult.NotRun(Name, "the table of contents cannot be read");
        }

        if (toc.IsDataOnly)
        {
            return CheckResult.Fail(Name,
                "a data-only dump (pg_dump --data-only) holds no schema, so it cannot restore into an empty database; " +
                "it restores only into a database that already has its tables (portfolio-backup restore … --target-db DB)");
        }

        var database = $"verify_{Guid.NewGuid():N}"[..23];
        await using (var maintenance = new NpgsqlConnection(server.ConnectionString("postgres")))
        {
            await maintenance.OpenAsync(cancellationToken);

            // PostgreSQL 15+ copies a template block by block through the WAL by default (100 ms here); the file copy
            // strategy's checkpoint costs next to nothing on a throwaway server (35 ms).
            var create = server.MajorVersion >= 15
                ? "SELECT format('CREATE DATABASE %I TEMPLATE template0 STRATEGY FILE_COPY', @name)"
                : "SELECT format('CREATE DATABASE %I TEMPLATE template0', @name)";
            await Sql.ExecuteFormattedAsync(maintenance, create, database, cancellationToken);
            context.CreatedDatabase = database;
        }

        await FreshDatabase.PrepareAsync(server, database, toc.Entries, cancellationToken);

        var connections = Math.Max(1, context.Options.Jobs);
        string? whyNot = null;
        if (context.Options.Loader == RestoreLoader.Parallel)
        {
            var (plan, reason) = ParallelLoadPlan.Create(await context.ArchiveAsync(), context.Options.LoaderTuning);
            if (plan is not null)
            {
                return await RestoreInParallelAsync(context, server, database, plan, connections, cancellationToken);
            }

            whyNot = reason;
        }

        context.Loader = "pg_restore";
        var jobs = connections.ToString(CultureInfo.InvariantCulture);
        var mapped = await server.MapDumpAsync(context.ArchivePath, cancellationToken);
        var watch = Stopwatch.StartNew();

        var restore = await server.RunToolAsync(
            "pg_restore",
            [.. FreshDatabase.ThrowawayRestoreOptions, "--exit-on-error", "--no-password", "-j", jobs, "-d", database, mapped],
            cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        if (!restore.Succeeded)
        {
            return CheckResult.Fail(Name, Sql.FirstError("pg_restore", restore.StandardError, restore.ExitCode));
        }

        await ConnectAsync(context, server, database, seconds, cancellationToken);
        var note = whyNot is null ? string.Empty : $" (the parallel loader was not used: {whyNot})";
        return CheckResult.Pass(Name, $"restored into a fresh database with pg_restore -j {jobs} in {seconds:0.###} s{note}");
    }

    /// <summary>An early run whose result is not used leaves no restored database behind in the verdict (its database is dropped as usual).</summary>
    public async ValueTask DiscardAsync(CheckContext context)
    {
        if (context.Restored is { } restored)
        {
            await restored.Connection.DisposeAsync();
            context.Restored = null;
        }

        context.Loader = null;
    }

    private async Task<CheckResult> RestoreInParallelAsync(
        CheckContext context, IRestoreServer server, string database, ParallelLoadPlan plan, int connections, CancellationToken cancellationToken)
    {
        context.Loader = "parallel";
        var header = (await context.ArchiveAsync()).Header!;
        var watch = Stopwatch.StartNew();
        var failure = await ParallelRestore.RunAsync(server, database, context.ArchivePath, header, plan, connections, context.Options.LoaderTuning, context.Timings, cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        if (failure is not null)
        {
            return CheckResult.Fail(Name, $"the parallel loader ({connections} connections) failed: {failure}");
        }

        await ConnectAsync(context, server, database, seconds, cancellationToken);
        var cut = plan.Tables.Count(t => t.Split);
        var others = plan.OtherData.Count == 0 ? string.Empty : $", {plan.OtherData.Count} other data entries by pg_restore";
        return CheckResult.Pass(Name, string.Create(CultureInfo.InvariantCulture,
            $"restored into a fresh database with the parallel loader ({connections} connections) in {seconds:0.###} s: schema by pg_restore, " +
            $"rows of {plan.Tables.Count} tables ({cut} cut into chunks){others}, indexes and constraints by pg_restore -j {connections}"));
    }

    private static async Task ConnectAsync(CheckContext context, IRestoreServer server, string database, double seconds, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(server.ConnectionString(database));
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        context.Restored = new RestoredDatabase(database, connection, seconds);
    }
}
