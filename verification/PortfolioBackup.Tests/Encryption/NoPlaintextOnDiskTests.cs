using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Encryption;

/// <summary>
/// While an encrypted backup runs, no file in the backup folder or the temp folders is a plain dump of its database (starts
/// with PGDMP and names the database in its header: other tests running at the same time write plain dumps of their own).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NoPlaintextOnDiskTests(PostgresServerFixture fixture)
{
    private static readonly byte[] Magic = "PGDMP"u8.ToArray();

    [Fact]
    public async Task No_plaintext_byte_of_the_dump_reaches_a_disk_while_it_is_encrypted()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        await Backup.BackupTestSupport.AddBulkTableAsync(fixture, database, 400_000);
        var keys = await AgeKeys.CreateAsync();
        using var backups = new TempDirectory();
        var settings = Backup.BackupTestSupport.Settings(fixture, database, backups.Path) with { AgeRecipients = [keys.Public] };
        string[] watched = [backups.Path, Path.GetTempPath(), "/dev/shm", "/var/tmp"];
        using var stop = new CancellationTokenSource();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var plaintext = new List<string>();
        var polls = 0;
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                polls++;
                foreach (var file in watched.Where(Directory.Exists).SelectMany(Files))
                {
                    seen.Add(file);
                    if (IsPlainDumpOf(file, database, backups.Path))
                    {
                        plaintext.Add(file);
                    }
                }

                await Task.Delay(5);
            }
        });

        // Act
        var result = await BackupRunner.RunAsync(settings);
        await stop.CancelAsync();
        await watcher;

        // Assert
        plaintext.Should().BeEmpty("the plaintext dump lives only in pipes and buffers");
        seen.Should().Contain(f => f.EndsWith(".dump.age.partial", StringComparison.Ordinal), $"the watcher saw the backup being written ({polls} polls)");
        result.Manifest.Encryption!.PlaintextSizeBytes.Should().BeGreaterThan(5_000_000);
        result.DumpPath.Should().EndWith(".dump.age");
        Directory.GetFiles(backups.Path).Select(Path.GetFileName).Should().BeEquivalentTo(
            [Path.GetFileName(result.DumpPath), Path.GetFileName(result.ManifestPath), ".portfolio-backup.lock", ".portfolio-backup.lock.owner"]);
    }

    private static IEnumerable<string> Files(string folder)
    {
        try
        {
            // Only the top level and one below: where a temporary dump or a decrypted copy would go.
            return Directory.EnumerateFiles(folder).Concat(Directory.EnumerateDirectories(folder).SelectMany(d =>
            {
                try
                {
                    return Directory.EnumerateFiles(d).ToList();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return [];
                }
            })).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool IsPlainDumpOf(string path, string database, string backupFolder)
    {
        try
        {
            // Never open a FIFO or a device someone left in /tmp: the open would block or never end.
            if (NativeFile.KindOf(path) != FileKind.Regular || new FileInfo(path).LinkTarget is not null)
            {
                return false;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 16, FileOptions.None);
            var head = new byte[4096];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);

            // The archive header holds the database name uncompressed; in the backup folder itself any PGDMP file counts.
            return read >= 5 && head.AsSpan(0, 5).SequenceEqual(Magic)
                && (path.StartsWith(backupFolder, StringComparison.Ordinal) || head.AsSpan(0, read).IndexOf(System.Text.Encoding.UTF8.GetBytes(database)) >= 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
