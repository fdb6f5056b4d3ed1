using PortfolioBackup.Tools;

namespace PortfolioBackup.Encryption;

/// <summary>The <c>age</c> program (Debian package <c>age</c>, 1.1.x): where it is, and what its failures mean.</summary>
internal static class AgeTool
{
    /// <summary>The path of age: <c>AGE_BIN</c> when set, else the first <c>age</c> on PATH; throws when there is none.</summary>
    public static string Locate(IReadOnlyDictionary<string, string?>? environment = null)
    {
        var configured = environment?.GetValueOrDefault("AGE_BIN") ?? Environment.GetEnvironmentVariable("AGE_BIN");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : throw new AgeNotFoundException([configured]);
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        var folders = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Distinct(StringComparer.Ordinal).ToList();
        return folders.Select(f => Path.Combine(f, "age")).FirstOrDefault(File.Exists) ?? throw new AgeNotFoundException(folders);
    }

    /// <summary>Whether the file is a regular file that starts with the age header line (read without following FIFOs or devices).</summary>
    public static bool IsEncrypted(string path)
    {
        var (stream, _, _) = Archive.DumpFile.TryOpen(path);
        if (stream is null)
        {
            return false;
        }

        using (stream)
        {
            var buffer = new byte[Catalog.BackupRule.AgeHeader.Length];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return read == buffer.Length && buffer.AsSpan().SequenceEqual(Catalog.BackupRule.AgeHeader);
        }
    }

    /// <summary>The invocation that decrypts <paramref name="encryptedPath"/> to stdout, the identity read from stdin.</summary>
    public static ToolInvocation Decrypt(string agePath, string encryptedPath, AgeIdentity identity) =>
        new(agePath, ["--decrypt", "--identity", "-", encryptedPath])
        {
            StandardInputText = identity.Text,
            Secrets = identity.Secrets,
        };

    /// <summary>
    /// One sentence on why age could not decrypt: the identity does not match, the key is malformed, or the file is damaged
    /// (with age's own words). <paramref name="recipients"/> come from the manifest: the age header does not name them.
    /// </summary>
    public static string DescribeFailure(ToolResult result, IReadOnlyList<string>? recipients, AgeIdentity identity)
    {
        var stderr = ToolRunner.Mask(ToolRunner.Tail(result.StandardError), identity.Secrets);
        var reason = string.Join(' ', stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("age: error:", StringComparison.Ordinal)).Select(l => l["age: error:".Length..].Trim()));
        reason = reason.Length > 0 ? reason : stderr.Length > 0 ? stderr : $"age exited with code {result.ExitCode} and printed no error";
        var forWhom = EncryptedFor(recipients);
        if (reason.Contains("no identity matched", StringComparison.Ordinal))
        {
            return $"{forWhom}; the identity given does not match (from {identity.Source}: {reason})";
        }

        if (reason.Contains("malformed secret key", StringComparison.Ordinal) || reason.Contains("failed to read identities", StringComparison.Ordinal)
            || reason.Contains("no secret keys", StringComparison.Ordinal))
        {
            return $"{forWhom}; the identity given ({identity.Source}) is not a valid age secret key ({reason}): expected the AGE-SECRET-KEY-1… line age-keygen wrote";
        }

        return $"{forWhom}; it cannot be decrypted, the encrypted file is damaged or truncated: age: {reason}";
    }

    /// <summary>"encrypted for age1…" from the manifest, or that the recipients are unknown without one.</summary>
    public static string EncryptedFor(IReadOnlyList<string>? recipients) =>
        recipients is { Count: > 0 }
            ? $"encrypted for {string.Join(", ", recipients.Select(r => AgeRecipients.IsValid(r) ? r : "(a manifest entry that is not an age public key, not shown)"))}"
            : "encrypted with age (for recipients unknown: no manifest names them, and the age header does not)";

    /// <summary>The verdict when no identity was given.</summary>
    public static string MissingIdentity(IReadOnlyList<string>? recipients) =>
        $"{EncryptedFor(recipients)}; set {AgeIdentity.Variable} or {AgeIdentity.FileVariable} to read it";
}

/// <summary>The <c>age</c> program is not installed where we looked.</summary>
public sealed class AgeNotFoundException : PortfolioBackupException
{
    /// <summary>Creates the exception naming the places searched.</summary>
    public AgeNotFoundException(IEnumerable<string> searched)
        : base($"age was not found (looked in: {string.Join(", ", searched)}). Install the Debian package age ('apt-get install age'), or set AGE_BIN to its path; " +
               "it is needed to encrypt backups (BACKUP_AGE_RECIPIENTS) and to read encrypted ones.")
    {
    }
}
