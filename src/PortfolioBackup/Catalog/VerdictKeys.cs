using System.Security.Cryptography;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Catalog;

/// <summary>
/// The key pair that signs verdicts: ECDSA P-256 from the platform's own crypto. The secret half (VERDICT_SIGNING_KEY) lives
/// only where verification runs (CI, Doppler); the public half (VERDICT_TRUSTED_KEYS) on the droplet. Both are one line of
/// text (<c>verdict-secret:…</c>, <c>verdict-public:…</c>, base64 of PKCS#8 and SubjectPublicKeyInfo), or PEM.
/// </summary>
public static class VerdictKeys
{
    /// <summary>The variable holding the verifier's secret signing key.</summary>
    public const string SigningVariable = "VERDICT_SIGNING_KEY";

    /// <summary>The variable holding the public keys whose verdicts are trusted, separated by spaces, commas or new lines.</summary>
    public const string TrustedVariable = "VERDICT_TRUSTED_KEYS";

    /// <summary>The prefix of a secret key's one-line form.</summary>
    public const string SecretPrefix = "verdict-secret:";

    /// <summary>The prefix of a public key's one-line form.</summary>
    public const string PublicPrefix = "verdict-public:";

    /// <summary>A new key pair: (secret, public, key id), each as one line of text.</summary>
    public static (string Secret, string Public, string KeyId) Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        return (SecretPrefix + Convert.ToBase64String(key.ExportPkcs8PrivateKey()), PublicPrefix + Convert.ToBase64String(spki), KeyIdOf(spki));
    }

    /// <summary>The short id a signature names its key by: the first 8 bytes of the SHA-256 of the public key, hex.</summary>
    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo).AsSpan(0, 8));

    /// <summary>Reads a secret key; a <see cref="ConfigurationException"/> naming <paramref name="source"/> (never the value) when it is not one.</summary>
    internal static ECDsa ImportSecret(string text, string source)
    {
        var key = ECDsa.Create();
        try
        {
            var value = text.Trim();
            if (value.StartsWith(PublicPrefix, StringComparison.Ordinal))
            {
                throw new ConfigurationException([$"{source} holds a public key ({PublicPrefix}…), not the secret key; the public key goes into {TrustedVariable} on the droplet"]);
            }

            if (value.StartsWith(SecretPrefix, StringComparison.Ordinal))
            {
                key.ImportPkcs8PrivateKey(Convert.FromBase64String(value[SecretPrefix.Length..]), out _);
            }
            else if (value.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(value);
            }
            else
            {
                throw Invalid(source, null);
            }

            RequireP256(key, source);
            _ = key.ExportParameters(includePrivateParameters: true);
            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            key.Dispose();
            throw Invalid(source, ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Reads the public keys of a VERDICT_TRUSTED_KEYS value: (key id, SubjectPublicKeyInfo) each.</summary>
    internal static IReadOnlyList<(string KeyId, byte[] PublicKey)> ImportTrusted(string text, string source)
    {
        var keys = new List<(string, byte[])>();
        foreach (var item in Split(text))
        {
            using var key = ECDsa.Create();
            try
            {
                if (item.Contains("SECRET", StringComparison.OrdinalIgnoreCase) || item.Contains("PRIVATE KEY", StringComparison.Ordinal))
                {
                    throw new ConfigurationException([$"{source} holds a secret key (the value is not shown): the droplet needs only the public key ({PublicPrefix}…), never a signing or age secret key"]);
                }

                if (item.StartsWith(PublicPrefix, StringComparison.Ordinal))
                {
                    key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(item[PublicPrefix.Length..]), out _);
                }
                else if (item.Contains("-----BEGIN", StringComparison.Ordinal))
                {
                    key.ImportFromPem(item);
                }
                else
                {
                    throw new ConfigurationException([$"{source}: {Shown(item)} is not a verdict public key (expected {PublicPrefix}… as 'portfolio-backup verdict-key' prints it)"]);
                }

                RequireP256(key, source);
            }
            catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
            {
                throw new ConfigurationException([$"{source}: {Shown(item)} is not a verdict public key ({ex.Message})"]);
            }

            var spki = key.ExportSubjectPublicKeyInfo();
            keys.Add((KeyIdOf(spki), spki));
        }

        return keys.Count > 0 ? keys : throw new ConfigurationException([$"{source} is set but holds no key"]);
    }

    // PEM blocks keep their lines; one-line keys are separated by spaces, commas or new lines.
    private static IEnumerable<string> Split(string text)
    {
        var rest = text.Trim().Trim(',').Trim();
        while (rest.Length > 0)
        {
            if (rest.StartsWith("-----BEGIN", StringComparison.Ordinal))
            {
                var end = rest.IndexOf("-----END", StringComparison.Ordinal);
                var close = end < 0 ? -1 : rest.IndexOf("-----", end + 8, StringComparison.Ordinal);
                var stop = close < 0 ? rest.Length : close + 5;
                yield return rest[..stop];
                rest = rest[stop..].TrimStart(' ', ',', '\n', '\r', '\t');
                continue;
            }

            var next = rest.IndexOfAny([' ', ',', '\n', '\r', '\t']);
            yield return next < 0 ? rest : rest[..next];
            rest = next < 0 ? "" : rest[next..].TrimStart(' ', ',', '\n', '\r', '\t');
        }
    }

    private static void RequireP256(ECDsa key, string source)
    {
        if (key.KeySize != 256)
        {
            throw new ConfigurationException([$"{source} is an ECDSA key of {key.KeySize} bits; verdict keys are P-256 (make one with 'portfolio-backup verdict-key')"]);
        }
    }

    private static ConfigurationException Invalid(string source, Exception? cause) =>
        new([$"{source} is not a verdict signing key (expected the {SecretPrefix}… line 'portfolio-backup verdict-key' prints, or a PEM EC private key{(cause is null ? "" : "; " + cause.GetType().Name)}); the value is not shown"]);

    // Only a value that is plainly a public key gone wrong is shown; anything else may be a secret pasted in the wrong place.
    private static string Shown(string item) =>
        item.StartsWith(PublicPrefix, StringComparison.Ordinal) ? $"'{(item.Length <= 32 ? item : item[..32] + "…")}'" : "an entry (not shown)";
}
