using System.Globalization;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Verification;

/// <summary>One of <see cref="Count"/> deterministic slices of a dump list, so a CI matrix can verify dumps in parallel.</summary>
/// <param name="Index">The 1-based shard number, 1 to <paramref name="Count"/>.</param>
/// <param name="Count">How many shards the list is split into.</param>
public sealed record DumpShard(int Index, int Count)
{
    /// <summary>Parses <c>i/n</c> (e.g. <c>2/4</c>); throws <see cref="ConfigurationException"/> for anything else.</summary>
    public static DumpShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1
            && index >= 1
            && index <= count)
        {
            return new DumpShard(index, count);
        }

        throw new ConfigurationException([$"--shard '{text}' is not a shard i/n with 1 <= i <= n (e.g. --shard 1/3 for the first of three shards)"]);
    }

    /// <summary>The dumps of this shard: the list sorted by file name (ordinal), keeping positions whose index mod n is i-1.</summary>
    public IReadOnlyList<string> Select(IEnumerable<string> dumps) =>
        dumps
            .OrderBy(Path.GetFileName, StringComparer.Ordinal)
            .ThenBy(d => d, StringComparer.Ordinal)
            .Where((_, position) => position % Count == Index - 1)
            .ToList();

    /// <summary>The shard as written on the command line, <c>i/n</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
