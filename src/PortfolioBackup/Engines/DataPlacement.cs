using System.Globalization;

namespace PortfolioBackup.Engines;

/// <summary>Decides whether a throwaway cluster's data directory goes in RAM (<c>/dev/shm</c>) or on disk.</summary>
public static class DataPlacement
{
    /// <summary>The RAM-backed folder used for data directories.</summary>
    public const string RamDirectory = "/dev/shm";

    private const long Overhead = 64L * 1024 * 1024;

    /// <summary>
    /// A cautious estimate of what restoring a dump takes on disk, from its size alone (no read of the data): compressed
    /// table data inflates about 3–6×, indexes and free space double that, plus the empty cluster.
    /// </summary>
    public static long EstimateRestoredBytes(long dumpBytes, bool compressed) => (compressed ? dumpBytes * 10 : dumpBytes * 2) + Overhead;

    /// <summary>True when the estimate fits comfortably: at most a third of the available memory and of the RAM folder's free space.</summary>
    public static bool FitsInRam(long estimatedBytes, long? memoryAvailableBytes, long? ramFolderFreeBytes) =>
        memoryAvailableBytes is { } memory && ramFolderFreeBytes is { } free && estimatedBytes <= memory / 3 && estimatedBytes <= free / 3;

    /// <summary>Measures this machine and says whether a restore of the estimated size should use RAM.</summary>
    public static bool ShouldUseRam(long estimatedBytes) => FitsInRam(estimatedBytes, MemoryAvailableBytes(), RamFolderFreeBytes());

    /// <summary>MemAvailable from /proc/meminfo, or null where it cannot be read.</summary>
    public static long? MemoryAvailableBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    var number = line["MemAvailable:".Length..].Trim().Split(' ')[0];
                    return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static long? RamFolderFreeBytes()
    {
        try
        {
            return Directory.Exists(RamDirectory) ? new DriveInfo(RamDirectory).AvailableFreeSpace : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
