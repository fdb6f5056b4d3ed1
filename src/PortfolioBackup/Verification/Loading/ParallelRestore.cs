using System.Globalization;
using PortfolioBackup.Archive;
using PortfolioBackup.Engines;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Verification.Loading;

/// <summary>
/// A restore in three steps, each section by the tool that does it best: the schema by the target's own
/// <c>pg_restore --section=pre-data</c>, the plain COPY rows by <see cref="ParallelTableLoader"/> over N connections
/// (beside <c>pg_restore -L</c> for every other data entry), then indexes and constraints by <c>pg_restore --section=post-data -j N</c>.
/// </summary>
internal static class ParallelRestore
{
    /// <summary>Restores; returns null on success, else the first error (a tool's first error line or "table: server message").</summary>
    public static async Task<string?> RunAsync(
        IRestoreServer server, string database, string dumpPath, ArchiveHeader header, ParallelLoadPlan plan, int connections, LoaderTuning tuning, PhaseTimings timings, CancellationToken cancellationToken)
    {
        var mapped = await server.MapDumpAsync(dumpPath, cancellationToken);
        string[] common = [.. FreshDatabase.ThrowawayRestoreOptions, "--exit-on-error", "--no-password", "-d", database];
        var schema = await timings.TimeAsync("restore: pre-data", () => server.RunToolAsync("pg_restore", ["--section=pre-data", .. common, mapped], cancellationToken));
        if (!schema.Succeeded)
        {
            return Sql.FirstError("pg_restore", schema.StandardError, schema.ExitCode);
        }

        var rows = await timings.TimeAsync("restore: data", () => LoadDataAsync(server, database, dumpPath, mapped, header, plan, connections, tuning, common, cancellationToken));
        if (rows is not null)
        {
            return rows;
        }

        var jobs = connections.ToString(CultureInfo.InvariantCulture);
        var indexes = await timings.TimeAsync("restore: post-data", () => server.RunToolAsync("pg_restore", ["--section=post-data", "-j", jobs, .. common, mapped], cancellationToken));
        return indexes.Succeeded ? null : Sql.FirstError("pg_restore", indexes.StandardError, indexes.ExitCode);
    }

    /// <summary>The loader's rows and pg_restore's other data entries at once; the first failure of either stops the other.</summary>
    private static async Task<string?> LoadDataAsync(
        IRestoreServer server, string database, string dumpPath, string mapped, ArchiveHeader header, ParallelLoadPlan plan, int connections, LoaderTuning tuning, string[] common, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var connectionString = server.ConnectionString(database);
        var ours = StopOthersOnFailure(ParallelTableLoader.LoadAsync(dumpPath, header, plan.Tables, connectionString, connections, tuning, stop.Token), stop);
        var theirs = StopOthersOnFailure(RestoreOtherDataAsync(server, mapped, plan.OtherData, common, stop.Token), stop);
        try
        {
            await Task.WhenAll(ours, theirs);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // One side failed and stopped the other; its message is below.
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (ours.IsCompletedSuccessfully && ours.Result is { } loader)
        {
            return loader;
        }

        if (theirs.IsCompletedSuccessfully && theirs.Result is { } tool)
        {
            return tool;
        }

        return ours.IsCompletedSuccessfully && theirs.IsCompletedSuccessfully ? null : "the data load was stopped";
    }

    private static async Task<string?> StopOthersOnFailure(Task<string?> task, CancellationTokenSource stop)
    {
        try
        {
            var failure = await task;
            if (failure is not null)
            {
                await stop.CancelAsync();
            }

            return failure;
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
    }

    /// <summary>Large objects, INSERT data, sequence values…: exactly as a classic restore does them, listed by dump id.</summary>
    private static async Task<string?> RestoreOtherDataAsync(IRestoreServer server, string mapped, IReadOnlyList<TocEntry> entries, string[] common, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return null;
        }

        // pg_restore -L reads the dump id before each ';' and restores the listed entries in the list's order (TOC order here).
        var list = Path.Combine(Path.GetTempPath(), $"portfolio-backup-data-{Guid.NewGuid():N}.list");
        try
        {
            await File.WriteAllLinesAsync(list, entries.Select(e => $"{e.DumpId.ToString(CultureInfo.InvariantCulture)}; {e.Desc}"), cancellationToken);
            var mappedList = await server.MapDumpAsync(list, cancellationToken);
            var result = await server.RunToolAsync("pg_restore", ["--section=data", "-L", mappedList, .. common, mapped], cancellationToken);
            return result.Succeeded ? null : Sql.FirstError("pg_restore", result.StandardError, result.ExitCode);
        }
        finally
        {
            File.Delete(list);
        }
    }
}
