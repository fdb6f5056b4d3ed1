using PortfolioBackup.Backup;

namespace PortfolioBackup.Restore;

/// <summary>
/// The safety backup of a database inside a container: the container's own pg_dump writes a custom-format dump there,
/// it is copied out into the backup folder as <c>pre-restore_….dump</c> and published with its manifest. With recipients,
/// pg_dump writes to its stdout instead and the stream is encrypted on its way out (<c>pre-restore_….dump.age</c>), so the
/// plaintext touches no disk, inside the container or out.
/// </summary>
internal static class ContainerSafetyBackup
{
    public static async Task<string> TakeAsync(
        ContainerTargetClient client, string backupDirectory, string serverVersion, IReadOnlyList<string> recipients, TimeProvider clock, CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(backupDirectory);
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, DurableFile.OwnerOnlyDirectory);
        }

        using var folderLock = BackupDirectoryLock.Acquire(directory, "take a safety backup");
        var startedAt = clock.GetUtcNow();
        var dumpPath = Path.Combine(directory, BackupFileName.For(startedAt, BackupFileName.PreRestorePrefix, encrypted: recipients.Count > 0));
        var manifestPath = BackupFileName.ManifestPathFor(dumpPath);
        foreach (var existing in new[] { dumpPath, manifestPath }.Where(File.Exists))
        {
            throw new BackupAlreadyExistsException(existing);
        }

        var version = await client.RunAsync("pg_dump", ["--version"], null, cancellationToken);
        var pgDumpVersion = version.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "pg_dump (unknown version)";
        var temporary = DurableFile.TemporaryPathFor(dumpPath);
        BackupEncryption? encryption;
        try
        {
            encryption = await DumpAsync(client, recipients, temporary, cancellationToken);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        var published = false;
        try
        {
            File.SetUnixFileMode(temporary, DurableFile.OwnerOnlyFile);
            var (size, sha256) = await DurableFile.SyncAndHashAsync(temporary, cancellationToken);
            DurableFile.Publish(temporary, dumpPath);
            published = true;
            var manifest = new BackupManifest
            {
                DumpFile = Path.GetFileName(dumpPath),
                Database = client.Connection.Database,
                ServerVersion = serverVersion,
                PgDumpVersion = pgDumpVersion,
                StartedAt = startedAt,
                FinishedAt = clock.GetUtcNow(),
                SizeBytes = size,
                Sha256 = sha256,
                Extensions = [],
                // Counts taken outside pg_dump's snapshot could disagree with the dump, so none are claimed.
                Tables = null,
                Encryption = encryption,
            };
            await DurableFile.WriteAllTextAsync(manifestPath, manifest.ToJson(), cancellationToken);
            return dumpPath;
        }
        catch
        {
            if (published)
            {
                File.Delete(dumpPath);
            }

            throw;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Writes the dump into <paramref name="temporary"/>; returns what the manifest records of its encryption, or null.</summary>
    private static async Task<BackupEncryption?> DumpAsync(ContainerTargetClient client, IReadOnlyList<string> recipients, string temporary, CancellationToken cancellationToken)
    {
        File.Delete(temporary);
        if (recipients.Count > 0)
        {
            DurableFile.CreateOwnerOnly(temporary);
            IReadOnlyList<string> streamed = ["--format=custom", "--no-owner", "--no-privileges", "--dbname", client.Connection.Database];
            var outcome = await EncryptedBackup.DumpAsync(client.Invocation("pg_dump", streamed), recipients, temporary, cancellationToken);
            if (!outcome.Dump.Succeeded)
            {
                throw SafetyBackupFailed(client, outcome.Dump, client.Failure("pg_dump", streamed, outcome.Dump));
            }

            return outcome.Encryption;
        }

        var inside = client.TemporaryPathInside(".safety.dump");
        IReadOnlyList<string> arguments = ["--format=custom", "--no-owner", "--no-privileges", "--dbname", client.Connection.Database, "--file", inside];
        var dump = await client.RunAsync("pg_dump", arguments, null, cancellationToken);
        if (!dump.Succeeded)
        {
            throw SafetyBackupFailed(client, dump, client.Failure("pg_dump", arguments, dump));
        }

        await client.CopyOutAsync(inside, temporary, cancellationToken);
        return null;
    }

    private static BackupFailedException SafetyBackupFailed(ContainerTargetClient client, Tools.ToolResult dump, Exception detail) =>
        new(
            $"the safety backup of {client.Target.Describe()} failed, so nothing was restored and the target was not changed: {Tools.ToolRunner.Tail(dump.StandardError)}",
            Tools.ToolRunner.Tail(dump.StandardError),
            detail);
}
