using PortfolioBackup.Engines;

namespace PortfolioBackup.Tests.Speed;

public sealed class DataPlacementTests
{
    private const long MB = 1024 * 1024;

    [Theory]
    [InlineData(100, 3000, 3000, true)]
    [InlineData(1001, 3000, 3000, false)]
    [InlineData(100, 3000, 64, false)]
    [InlineData(1000, 3000, 3000, true)]
    public void Restore_goes_in_RAM_only_when_it_fits_in_a_third_of_memory_and_of_the_RAM_folder(long estimateMb, long availableMb, long shmFreeMb, bool expected)
    {
        DataPlacement.FitsInRam(estimateMb * MB, availableMb * MB, shmFreeMb * MB).Should().Be(expected);
    }

    [Fact]
    public void Unknown_memory_keeps_the_restore_on_disk()
    {
        DataPlacement.FitsInRam(1, null, 1000 * MB).Should().BeFalse();
        DataPlacement.FitsInRam(1, 1000 * MB, null).Should().BeFalse();
    }

    [Fact]
    public void Estimate_grows_with_the_dump_and_counts_compression()
    {
        var compressed = DataPlacement.EstimateRestoredBytes(60 * MB, compressed: true);
        var plain = DataPlacement.EstimateRestoredBytes(60 * MB, compressed: false);

        compressed.Should().Be(664 * MB);
        plain.Should().Be(184 * MB);
    }

    [Fact]
    public void This_machine_reports_its_available_memory()
    {
        DataPlacement.MemoryAvailableBytes().Should().BeGreaterThan(0);
    }
}
