using System.Text.RegularExpressions;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Compose;

/// <summary>
/// Docker's image reference grammar (distribution/reference: [domain/]path[:tag][@digest]): a reference Docker would refuse is
/// a configuration error found before any container is asked for, with the reason, instead of an exception from the daemon.
/// </summary>
public static partial class ImageReference
{
    /// <summary>Why <paramref name="reference"/> is not a valid image reference, or null when it is.</summary>
    public static string? Problem(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Length == 0)
        {
            return "it is empty";
        }

        if (reference.Any(char.IsWhiteSpace))
        {
            return "it contains white space";
        }

        var name = reference.Split('@')[0];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > lastSlash && colon == name.Length - 1)
        {
            return "its tag after ':' is empty";
        }

        if (!Grammar().IsMatch(reference))
        {
            var repository = colon > lastSlash ? name[..colon] : name;
            return repository.Any(char.IsAsciiLetterUpper)
                ? "repository names must be lowercase"
                : "it does not match [registry/]name[:tag][@digest]";
        }

        return name.Length > 255 ? "its name is longer than 255 characters" : null;
    }

    /// <summary>Returns the reference when valid; throws <see cref="ConfigurationException"/> naming <paramref name="source"/> and the reason otherwise.</summary>
    public static string Validate(string reference, string source)
    {
        var problem = Problem(reference);
        return problem is null
            ? reference
            : throw new ConfigurationException([$"{source}: invalid image reference \"{reference}\": {problem}"], "An image reference looks like postgres:15, postgres:15.4-alpine or registry.example.com/team/postgres:16.");
    }

    [GeneratedRegex(
        @"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?" +
        @"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*" +
        @"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?" +
        @"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();
}
