using System.Text.RegularExpressions;

namespace PortfolioBackup.Encryption;

/// <summary>The age public keys backups are encrypted for (<c>BACKUP_AGE_RECIPIENTS</c> or <c>BACKUP_AGE_RECIPIENTS_FILE</c>).</summary>
public static partial class AgeRecipients
{
    /// <summary>The most recipients accepted: each becomes two arguments of age, and a list this long is a mistake.</summary>
    public const int MaxRecipients = 64;

    private const long MaxFileBytes = 64 * 1024;

    /// <summary>
    /// Reads the recipients from the environment; returns an empty list when neither variable is set. Every problem (both
    /// set, empty, unreadable, malformed keys) is added to <paramref name="problems"/>.
    /// </summary>
    public static IReadOnlyList<string> Read(IReadOnlyDictionary<string, string?> environment, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(problems);
        var inline = environment.GetValueOrDefault("BACKUP_AGE_RECIPIENTS");
        var file = environment.GetValueOrDefault("BACKUP_AGE_RECIPIENTS_FILE");
        if (inline is null && file is null)
        {
            return [];
        }

        if (inline is not null && file is not null)
        {
            problems.Add("BACKUP_AGE_RECIPIENTS and BACKUP_AGE_RECIPIENTS_FILE are both set (expected one of them: the keys themselves or a file of keys)");
            return [];
        }

        if (inline is not null)
        {
            return Parse(inline, "BACKUP_AGE_RECIPIENTS", allowComments: false, problems);
        }

        if (string.IsNullOrWhiteSpace(file))
        {
            problems.Add("BACKUP_AGE_RECIPIENTS_FILE is empty (expected the path of a file with one age1… public key per line)");
            return [];
        }

        var (text, problem) = Tools.SmallFile.TryRead(file, (int)MaxFileBytes, followLinks: true);
        if (problem is not null || text is null)
        {
            problems.Add(problem is null
                ? $"BACKUP_AGE_RECIPIENTS_FILE={file} does not exist (expected a file with one age1… public key per line, e.g. from age-keygen -y)"
                : $"BACKUP_AGE_RECIPIENTS_FILE={file} cannot be read: {problem}");
            return [];
        }

        return Parse(text, $"BACKUP_AGE_RECIPIENTS_FILE={file}", allowComments: true, problems);
    }

    /// <summary>Splits keys separated by spaces, commas or newlines (and, in a file, <c>#</c> comments) and validates each.</summary>
    public static IReadOnlyList<string> Parse(string text, string source, bool allowComments, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(problems);
        var lines = text.Split('\n').Select(l => allowComments && l.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? l[..hash] : l);
        var keys = lines.SelectMany(l => l.Split([' ', ',', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (keys.Count == 0)
        {
            problems.Add($"{source} holds no public key (expected one or more age1… keys, e.g. the output of age-keygen -y)");
            return [];
        }

        var before = problems.Count;
        foreach (var key in keys)
        {
            if (key.StartsWith("AGE-SECRET-KEY-", StringComparison.OrdinalIgnoreCase))
            {
                // Never echo it: this is the secret half, which belongs only where backups are read.
                problems.Add($"{source} holds a secret key (AGE-SECRET-KEY-…); give the public key instead (age-keygen -y FILE prints it) and keep the secret key off this machine");
            }
            else if (!IsValid(key))
            {
                // Shown only when it looks like a public key gone wrong; anything else may be a secret pasted in the wrong place.
                var shown = key.StartsWith("age1", StringComparison.Ordinal) ? $"'{Shorten(key)}'" : "a value";
                problems.Add($"{source}: {shown} is not an age public key (expected age1 followed by 58 lowercase bech32 characters)");
            }
        }

        if (keys.Count > MaxRecipients)
        {
            problems.Add($"{source} lists {keys.Count} keys (at most {MaxRecipients})");
        }

        return problems.Count == before ? keys.Distinct(StringComparer.Ordinal).ToList() : [];
    }

    /// <summary>Whether a text is an X25519 age public key: <c>age1</c> and 58 bech32 characters.</summary>
    public static bool IsValid(string key) => Pattern().IsMatch(key);

    /// <summary>"age1abc…xyz (n recipients)" for output lines.</summary>
    public static string Describe(IReadOnlyList<string> recipients) => recipients.Count switch
    {
        0 => "no recipients",
        1 => Shorten(recipients[0]),
        _ => $"{Shorten(recipients[0])} ({recipients.Count} recipients)",
    };

    private static string Shorten(string key) => key.Length <= 20 ? key : $"{key[..12]}…{key[^6..]}";

    [GeneratedRegex(@"^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
