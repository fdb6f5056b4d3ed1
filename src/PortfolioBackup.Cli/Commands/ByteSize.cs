using System.Globalization;

namespace PortfolioBackup.Cli.Commands;

/// <summary>File sizes as people read them ("512 B", "1.5 KiB", "3.2 GiB").</summary>
internal static class ByteSize
{
    private static readonly string[] Units = ["KiB", "MiB", "GiB", "TiB"];

    public static string Format(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + Units[unit];
    }
}
