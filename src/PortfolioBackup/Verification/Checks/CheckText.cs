using System.Globalization;

namespace PortfolioBackup.Verification.Checks;

/// <summary>How numbers and lists read in check details.</summary>
internal static class CheckText
{
    private static readonly NumberFormatInfo Grouped = new() { NumberGroupSeparator = " ", NumberGroupSizes = [3] };

    /// <summary>A count with thin-space thousands: 22 012.</summary>
    public static string Count(long value) => value.ToString("#,0", Grouped);

    /// <summary>"s" when <paramref name="count"/> is not 1.</summary>
    public static string Plural(int count) => count == 1 ? string.Empty : "s";
}
