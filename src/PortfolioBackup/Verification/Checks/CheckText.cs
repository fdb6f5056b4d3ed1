using System.Globalization;

namespace PortfolioBackup.Verification.Checks;

/// <summary>How numbers and lists read in check details.</summary>
internal static class CheckText
{
    private static readonly NumberFormatInfo Grouped = new() { NumberGroupSeparator = " ", NumberGroupSizes = [3] };

    /// <summary>A count with thin-space thousands: 22 012.</summary>
    public static string Count(long value) => value.ToString("#,0", Grouped);

    /// <summary>
    /// Each configured minimum a table misses: "t: at least N rows expected, {whenMissing}" for a table not there, and
    /// "t: at least N rows expected, {foundWord} M" for one with fewer rows.
    /// </summary>
    public static IEnumerable<string> MinimumRowProblems(IReadOnlyDictionary<TableName, long> rows, VerificationExpectations expectations, string whenMissing, string foundWord)
    {
        foreach (var (table, minimum) in expectations.MinimumTableRows.OrderBy(m => m.Key))
        {
            if (!rows.TryGetValue(table, out var found))
            {
                yield return $"{table}: at least {minimum} rows expected, {whenMissing}";
            }
            else if (found < minimum)
            {
                yield return $"{table}: at least {minimum} rows expected, {foundWord} {found}";
            }
        }
    }

    /// <summary>"s" when <paramref name="count"/> is not 1.</summary>
    public static string Plural(int count) => count == 1 ? string.Empty : "s";
}
