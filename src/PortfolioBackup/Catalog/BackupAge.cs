using System.Globalization;

namespace PortfolioBackup.Catalog;

/// <summary>Short human text for a backup's age, as retention reasons and <c>list</c> print it.</summary>
public static class BackupAge
{
    /// <summary>Formats an age as "3 d 4 h", "5 h 12 min", "7 min", "just now", or "in the future" for a negative age.</summary>
    public static string Format(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            return "in the future";
        }

        if (age.TotalDays >= 1)
        {
            return age.Hours == 0 ? Invariant($"{age.Days} d") : Invariant($"{age.Days} d {age.Hours} h");
        }

        if (age.TotalHours >= 1)
        {
            return age.Minutes == 0 ? Invariant($"{age.Hours} h") : Invariant($"{age.Hours} h {age.Minutes} min");
        }

        return age.TotalMinutes >= 1 ? Invariant($"{age.Minutes} min") : "just now";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
