using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Tools;

public sealed class DurableFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_replaced_file_has_the_mode_asked_for_and_no_temporary_file_is_left()
    {
        var path = _dir.Combine("report.json");
        await File.WriteAllTextAsync(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await DurableFile.ReplaceAllTextAsync(path, "new", DurableFile.OwnerOnlyFile, CancellationToken.None);

        (await File.ReadAllTextAsync(path)).Should().Be("new");
        File.GetUnixFileMode(path).Should().Be(DurableFile.OwnerOnlyFile);
        Directory.GetFileSystemEntries(_dir.Path).Should().Equal(path);
    }

    [Fact]
    public async Task Concurrent_writers_of_one_file_never_collide_and_one_whole_text_wins()
    {
        var path = _dir.Combine("metrics.prom");
        var texts = Enumerable.Range(0, 16).Select(i => new string((char)('a' + i), 10_000)).ToList();

        await Task.WhenAll(texts.Select(t => Task.Run(() => DurableFile.ReplaceAllTextAsync(path, t, DurableFile.OwnerOnlyFile, CancellationToken.None))));

        texts.Should().Contain(await File.ReadAllTextAsync(path));
        Directory.GetFileSystemEntries(_dir.Path).Should().Equal(path);
    }
}
