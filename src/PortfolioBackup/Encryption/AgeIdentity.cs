using PortfolioBackup.Configuration;

namespace PortfolioBackup.Encryption;

/// <summary>
/// The age secret key that reads encrypted backups (<c>AGE_IDENTITY</c> or the file <c>AGE_IDENTITY_FILE</c>). It reaches
/// age only on stdin; <see cref="ToString"/> never shows it.
/// </summary>
public sealed partial class AgeIdentity
{
    /// <summary>The variable holding the secret key itself (may be several lines, comments included).</summary>
    public const string Variable = "AGE_IDENTITY";

    /// <summary>The variable naming a file that holds the secret key.</summary>
    public const string FileVariable = "AGE_IDENTITY_FILE";

    private const long MaxBytes = 64 * 1024;

    private AgeIdentity(string text, string source)
    {
        Text = text;
        Source = source;
    }

    /// <summary>Where the key came from ("AGE_IDENTITY" or "AGE_IDENTITY_FILE=/path"), for messages.</summary>
    public string Source { get; }

    /// <summary>The secret key text, for age's stdin and for masking only.</summary>
    internal string Text { get; }

    /// <summary>The secret lines to mask in anything age or we print.</summary>
    internal IReadOnlyList<string> Secrets =>
        [Text, .. Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal))];

    /// <summary>
    /// An identity from the key text itself: lines trimmed, blank lines dropped (a key pasted into a CI secret gains both),
    /// and every other line an <c>AGE-SECRET-KEY-1…</c> or plugin identity or a <c>#</c> comment; an SSH private key is
    /// passed as it is. Anything else is a <see cref="ConfigurationException"/> that never echoes the text: a mangled key
    /// must be named as the key, not blamed on the backup.
    /// </summary>
    public static AgeIdentity FromText(string text, string source = Variable)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        if (text.TrimStart().StartsWith(Catalog.BackupRule.AgeHeaderLine, StringComparison.Ordinal) || text.Contains("-----BEGIN AGE ENCRYPTED FILE-----", StringComparison.Ordinal))
        {
            // age would ask for the passphrase on a terminal no job has, then fail as if the backup were damaged.
            throw new ConfigurationException([
                $"{source} is itself encrypted (a passphrase-protected identity, age -p): portfolio-backup cannot type its passphrase. " +
                "Decrypt it once where you can (age -d -o key.txt key.age; chmod 600 key.txt) and give that file, or keep the AGE-SECRET-KEY-1… line in your secret store (the value is not shown)"]);
        }

        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return new AgeIdentity(text.EndsWith('\n') ? text : text + "\n", source);
        }

        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var keys = lines.Where(l => !l.StartsWith('#')).ToList();
        var problem = keys.Count == 0 ? "holds no key, only comments"
            : keys.Any(k => k.StartsWith("age1", StringComparison.Ordinal)) ? "holds a public key (age1…), not the secret key"
            : keys.Any(k => k.StartsWith("age-secret-key-", StringComparison.Ordinal)) ? "holds a lower-case secret key; age reads it only as age-keygen wrote it, in upper case"
            : keys.Any(k => !IdentityLine().IsMatch(k)) ? "holds a line that is not an age secret key"
            : null;
        if (problem is not null)
        {
            throw new ConfigurationException([$"{source} {problem} (expected the AGE-SECRET-KEY-1… line age-keygen wrote; the value is not shown)"]);
        }

        return new AgeIdentity(string.Join('\n', lines) + "\n", source);
    }

    /// <summary>
    /// Reads <c>AGE_IDENTITY</c> or <c>AGE_IDENTITY_FILE</c>; null when neither is set; throws <see cref="ConfigurationException"/>
    /// when both are set or the file cannot be read.
    /// </summary>
    public static AgeIdentity? FromEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var text = environment.GetValueOrDefault(Variable);
        var file = environment.GetValueOrDefault(FileVariable);
        var hasText = !string.IsNullOrWhiteSpace(text);
        var hasFile = !string.IsNullOrWhiteSpace(file);
        if (hasText && hasFile)
        {
            throw new ConfigurationException([$"{Variable} and {FileVariable} are both set (expected one of them: the secret key itself or the file holding it)"]);
        }

        if (hasText)
        {
            return FromText(text!);
        }

        return hasFile ? FromFile(file!) : null;
    }

    /// <summary>Reads the key from a file (at most 64 KiB, never a pipe or a device); throws <see cref="ConfigurationException"/> when it cannot.</summary>
    public static AgeIdentity FromFile(string path)
    {
        var (text, problem) = Tools.SmallFile.TryRead(path, (int)MaxBytes, followLinks: true);
        if (problem is not null)
        {
            throw new ConfigurationException([$"{FileVariable}={path} cannot be read: {problem} (expected the file age-keygen wrote)"]);
        }

        if (text is null)
        {
            throw new ConfigurationException([$"{FileVariable}={path} does not exist (expected the file age-keygen wrote)"]);
        }

        return string.IsNullOrWhiteSpace(text)
            ? throw new ConfigurationException([$"{FileVariable}={path} is empty (expected the file age-keygen wrote)"])
            : FromText(text, $"{FileVariable}={path}");
    }

    /// <summary>Names the source, never the key.</summary>
    public override string ToString() => $"age identity from {Source}";

    // Bech32 data after the "1" separator; plugin identities are AGE-PLUGIN-NAME-1….
    [System.Text.RegularExpressions.GeneratedRegex(@"^AGE-(SECRET-KEY|PLUGIN-[A-Z0-9._-]+)-1[02-9AC-HJ-NP-Z]+\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex IdentityLine();
}
