using PortfolioBackup.Archive;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Archive;

/// <summary>Makes real dumps with the local pg_dump 15 from a fixture database.</summary>
internal static class DumpMaker
{
    public static PgBinaries Binaries { get; } = PgBinaries.Discover(15);

    /// <summary>Runs <c>pg_dump -Fc -f file</c> (a seekable file, so offsets get written).</summary>
    public static async Task<string> DumpToFileAsync(PostgresServerFixture fixture, string database, string path, params string[] extraArguments)
    {
        await RunAsync(fixture, database, ["--format=custom", "--file", path, .. extraArguments, database], null);
        return path;
    }

    /// <summary>Runs <c>pg_dump -Fc</c> with stdout piped into the file (pg_dump sees a pipe, so offsets stay unset).</summary>
    public static async Task<string> DumpThroughPipeAsync(PostgresServerFixture fixture, string database, string path, params string[] extraArguments)
    {
        await RunAsync(fixture, database, ["--format=custom", .. extraArguments, database], path);
        return path;
    }

    /// <summary>Runs pg_dump with any arguments (plain, tar, directory formats).</summary>
    public static async Task RunAsync(PostgresServerFixture fixture, string database, IReadOnlyList<string> arguments, string? standardOutputFile)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await ToolRunner.RunCheckedAsync(
            new ToolInvocation(Binaries.PathOf("pg_dump"), arguments)
            {
                Environment = fixture.Server.ClientEnvironment(database),
                StandardOutputFile = standardOutputFile,
            },
            timeout.Token);
    }

    public static async Task<ArchiveScan> ScanAsync(string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        return await ArchiveReader.ScanAsync(path, timeout.Token);
    }
}
