using System.Diagnostics;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Backup;

/// <summary>Takes one consistent backup: a custom-format dump plus a manifest with exact row counts from the same snapshot.</summary>
public static class BackupRunner
{
    /// <summary>Backs up the configured database into the backup folder; on any failure or cancellation nothing is left behind.</summary>
    public static Task<BackupResult> RunAsync(BackupSettings settings, CancellationToken cancellationToken = default) =>
        RunAsync(new BackupOptions { Settings = settings }, cancellationToken);

    /// <summary>Backs up with an explicit clock and progress callback; on any failure or cancellation nothing is left behind.</summary>
    public static Task<BackupResult> RunAsync(BackupOptions options, CancellationToken cancellationToken = default) =>
        RunAsync(options, (result, _, _) => Task.FromResult(result), cancellationToken);

    /// <summary>
    /// Backs up, then runs <paramref name="whileLocked"/> still holding the folder's lock (verification and prune of the
    /// backup job), so no other backup or prune can slip in between.
    /// </summary>
    internal static async Task<T> RunAsync<T>(
        BackupOptions options, Func<BackupResult, BackupDirectoryLock, CancellationToken, Task<T>> whileLocked, CancellationToken cancellationToken)
    {
        var settings = options.Settings;
        var source = BackupSource.For(settings);
        var stopwatch = Stopwatch.StartNew();
        var directory = Path.GetFullPath(settings.BackupDirectory);
        BackupDirectoryLock? folderLock = null;
        try
        {
            BackupResult result;

            // Connect before touching the disk: an unreachable server or a wrong password leaves no trace.
            options.Progress?.Invoke($"connecting to {source.Describe()}");
            await using (var session = await source.OpenAsync(cancellationToken))
            {
                var pgDumpVersion = await source.PgDumpVersionAsync(session, cancellationToken);

                EnsureDirectory(directory);
                folderLock = BackupDirectoryLock.Acquire(directory, "back up");
                var removed = StaleFiles.RemoveLeftovers(directory);
                result = await WriteAsync(options, source, session, pgDumpVersion, directory, stopwatch, cancellationToken) with { RemovedLeftovers = removed };
            }

            return await whileLocked(result, folderLock, cancellationToken);
        }
        finally
        {
            folderLock?.Dispose();
        }
    }

    private static async Task<BackupResult> WriteAsync(
        BackupOptions options, BackupSource source, ISnapshotSession session, string pgDumpVersion, string directory, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var settings = options.Settings;
        var connection = settings.Connection;
        var startedAt = options.Clock.GetUtcNow();
        var encrypted = settings.AgeRecipients.Count > 0;
        var dumpPath = Path.Combine(directory, BackupFileName.For(startedAt, options.FileNamePrefix, encrypted));
        var manifestPath = BackupFileName.ManifestPathFor(dumpPath);
        foreach (var existing in new[] { dumpPath, manifestPath }.Where(File.Exists))
        {
            throw new BackupAlreadyExistsException(existing);
        }

        var temporary = DurableFile.TemporaryPathFor(dumpPath);
        var published = false;
        try
        {
            // We hold the folder lock, so a leftover temporary file can only be from a run that crashed.
            File.Delete(temporary);
            DurableFile.CreateOwnerOnly(temporary);

            var extensions = await session.ReadExtensionsAsync(cancellationToken);
            var sequences = await session.ReadSequencesAsync(cancellationToken);
            options.Progress?.Invoke(settings.CountRows ? "dumping and counting rows" : "dumping");
            var (dumpResult, tables) = await DumpAndCountAsync(session, source, temporary, settings, cancellationToken);
            if (!dumpResult.Dump.Succeeded)
            {
                throw PgDumpFailed(source, directory, dumpResult.Dump);
            }

            options.Progress?.Invoke("flushing to disk");
            var (size, sha256) = await DurableFile.SyncAndHashAsync(temporary, cancellationToken);
            if (dumpResult.Encryption is null)
            {
                await EnsureCustomFormatAsync(temporary, cancellationToken);
            }

            var finishedAt = options.Clock.GetUtcNow();

            DurableFile.Publish(temporary, dumpPath);
            published = true;

            var manifest = new BackupManifest
            {
                DumpFile = Path.GetFileName(dumpPath),
                Database = connection.Database,
                ServerVersion = session.ServerVersion,
                PgDumpVersion = pgDumpVersion,
                StartedAt = startedAt,
                FinishedAt = finishedAt,
                SizeBytes = size,
                Sha256 = sha256,
                Extensions = extensions,
                Tables = tables,
                Sequences = sequences,
                Encryption = dumpResult.Encryption,
                Snapshot = session.Snapshot,
            };
            options.Progress?.Invoke("writing manifest");
            await DurableFile.WriteAllTextAsync(manifestPath, manifest.ToJson(), cancellationToken);
            return new BackupResult(dumpPath, manifest, stopwatch.Elapsed) { Source = source.Describe() };
        }
        catch (Exception ex)
        {
            if (published)
            {
                TryDelete(dumpPath);
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw WriteFailed(directory, ex);
            }

            throw;
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    private static async Task<(DumpOutcome Dump, IReadOnlyList<TableRowCount>? Tables)> DumpAndCountAsync(
        ISnapshotSession session, BackupSource source, string outputFile, BackupSettings settings, CancellationToken cancellationToken)
    {
        var invocation = source.PgDump(session.Snapshot, settings.AgeRecipients.Count > 0 ? null : outputFile);
        using var dumpCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var dump = settings.AgeRecipients.Count > 0
            ? EncryptedBackup.DumpAsync(invocation, settings.AgeRecipients, outputFile, dumpCancellation.Token)
            : PlainAsync(invocation, dumpCancellation.Token);
        IReadOnlyList<TableRowCount>? tables = null;
        try
        {
            // Counting runs while pg_dump works: both read the same exported snapshot, so they agree exactly.
            if (settings.CountRows)
            {
                tables = await session.CountRowsAsync(cancellationToken);
            }
        }
        catch
        {
            await dumpCancellation.CancelAsync();
            try
            {
                await dump;
            }
            catch (OperationCanceledException)
            {
            }

            throw;
        }

        return (await dump, tables);
    }

    private static async Task<DumpOutcome> PlainAsync(ToolInvocation invocation, CancellationToken cancellationToken) =>
        new(await ToolRunner.RunAsync(invocation, cancellationToken), null);

    private static void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(directory, DurableFile.OwnerOnlyDirectory);
            // The umask may have narrowed or the parent's default ACL widened it; backups hold the whole database.
            File.SetUnixFileMode(directory, DurableFile.OwnerOnlyDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupFailedException(
                $"cannot create the backup folder {directory}: {ex.Message}. Create it (mode 0700) or point BACKUP_DIR at a writable folder.",
                innerException: ex);
        }
    }

    private static async Task EnsureCustomFormatAsync(string path, CancellationToken cancellationToken)
    {
        var header = new byte[Catalog.BackupRule.CustomFormatMagic.Length];
        await using var stream = File.OpenRead(path);
        var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        if (read < header.Length || !header.AsSpan().SequenceEqual(Catalog.BackupRule.CustomFormatMagic))
        {
            throw new BackupFailedException($"pg_dump exited successfully but {path} is not a custom-format archive (no PGDMP header); nothing was kept. Check the PostgreSQL client installation.");
        }
    }

    private static BackupFailedException PgDumpFailed(BackupSource source, string directory, ToolResult result)
    {
        var stderr = ToolRunner.Tail(result.StandardError);
        var advice = IsDiskFull(stderr)
            ? $"The disk holding {directory} is full: free space there or point BACKUP_DIR at a larger disk."
            : result.ExitCode is 137 or 143 && stderr.Length == 0
                ? "It was killed (signal 9 or 15): a container stopped or killed mid-backup, or the machine ran out of memory; check 'docker ps' and the kernel log, then run the backup again."
            : "Fix the cause reported above and run the backup again.";
        var detail = stderr.Length == 0 ? "it printed no error" : stderr;
        return new BackupFailedException(
            $"pg_dump failed with exit code {result.ExitCode} while backing up {source.Describe()}: {detail}{Environment.NewLine}No backup file was kept. {advice}",
            stderr);
    }

    private static BackupFailedException WriteFailed(string directory, Exception ex)
    {
        var advice = IsDiskFull(ex.Message)
            ? $"The disk holding {directory} is full: free space there or point BACKUP_DIR at a larger disk."
            : $"Check that {directory} is writable and has free space.";
        return new BackupFailedException($"could not write the backup in {directory}: {ex.Message}. No backup file was kept. {advice}", innerException: ex);
    }

    private static bool IsDiskFull(string text) =>
        text.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
        || text.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original failure matters more than a cleanup problem.
        }
    }
}
