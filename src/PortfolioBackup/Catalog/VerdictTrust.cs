using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace PortfolioBackup.Catalog;

/// <summary>How far a verdict can be believed.</summary>
public enum VerdictStanding
{
    /// <summary>No trusted keys are set (every verdict counts), or it is signed by one of them.</summary>
    Trusted,

    /// <summary>Trusted keys are set and the verdict carries no signature.</summary>
    Unsigned,

    /// <summary>Signed, but by a key that is not among the trusted ones.</summary>
    UnknownKey,

    /// <summary>Its signature does not match its content: written or changed by someone without the key.</summary>
    Forged,
}

/// <summary>
/// The signature of a verdict: ECDSA P-256 with SHA-256 over its fields in a fixed order (the file, SHA-256, time, database,
/// engine, image, health, every table's rows sorted, its schema, its warnings and, when recorded, its durations), so the same verdict read back from a
/// ledger line or a bucket object checks the same, whatever order its JSON came in.
/// </summary>
public static class VerdictSignature
{
    /// <summary>The bytes a signature covers.</summary>
    internal static byte[] PayloadOf(LedgerEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue("portfolio-backup verdict v1");
            writer.WriteStringValue(entry.File);
            writer.WriteStringValue(entry.Sha256?.ToLowerInvariant());
            writer.WriteStringValue(entry.VerifiedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            writer.WriteStringValue(entry.Database);
            writer.WriteStringValue(entry.Engine);
            writer.WriteStringValue(entry.Image);
            writer.WriteBooleanValue(entry.Healthy);
            writer.WriteStartArray();
            foreach (var (table, rows) in entry.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                writer.WriteStringValue(table);
                writer.WriteNumberValue(rows);
            }

            writer.WriteEndArray();
            WriteList(writer, entry.Schema);
            WriteList(writer, entry.Warnings);
            writer.WriteStringValue(entry.SignedBy);

            // Appended only when recorded, so a verdict written before durations were recorded still checks against its
            // signature; once there, both are covered, so neither can be changed or dropped without the key.
            if (entry.VerifySeconds is not null || entry.RestoreSeconds is not null)
            {
                WriteNumber(writer, entry.VerifySeconds);
                WriteNumber(writer, entry.RestoreSeconds);
            }

            writer.WriteEndArray();
        }

        return buffer.ToArray();
    }

    private static void WriteNumber(Utf8JsonWriter writer, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static void WriteList(Utf8JsonWriter writer, IReadOnlyList<string>? items)
    {
        if (items is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartArray();
        foreach (var item in items)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }
}

/// <summary>Signs the verdicts a verifier writes with VERDICT_SIGNING_KEY.</summary>
public sealed class VerdictSigner : IDisposable
{
    private readonly ECDsa _key;

    private VerdictSigner(ECDsa key)
    {
        _key = key;
        KeyId = VerdictKeys.KeyIdOf(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The id signatures name this key by.</summary>
    public string KeyId { get; }

    /// <summary>The signer of VERDICT_SIGNING_KEY, or null when it is not set; a malformed key is a configuration error.</summary>
    public static VerdictSigner? FromEnvironment(IReadOnlyDictionary<string, string?> environment) =>
        environment.GetValueOrDefault(VerdictKeys.SigningVariable) is { } text && !string.IsNullOrWhiteSpace(text)
            ? new VerdictSigner(VerdictKeys.ImportSecret(text, VerdictKeys.SigningVariable))
            : null;

    /// <summary>The same verdict, signed by this key.</summary>
    public LedgerEntry Sign(LedgerEntry entry)
    {
        var named = entry with { SignedBy = KeyId, Signature = null, Origin = null };
        return named with { Signature = Convert.ToBase64String(_key.SignData(VerdictSignature.PayloadOf(named), HashAlgorithmName.SHA256)), Origin = entry.Origin };
    }

    /// <summary>Releases the key.</summary>
    public void Dispose() => _key.Dispose();
}

/// <summary>Which verdicts are believed: every one when VERDICT_TRUSTED_KEYS is unset, else only those signed by its keys.</summary>
public sealed class VerdictTrust
{
    private readonly IReadOnlyDictionary<string, byte[]> _keys;

    private VerdictTrust(IReadOnlyDictionary<string, byte[]> keys) => _keys = keys;

    /// <summary>Every verdict counts (no VERDICT_TRUSTED_KEYS).</summary>
    public static VerdictTrust Anyone { get; } = new(new Dictionary<string, byte[]>());

    /// <summary>Whether only signed verdicts count.</summary>
    public bool Enforced => _keys.Count > 0;

    /// <summary>The ids of the trusted keys.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys.ToList();

    /// <summary>The trust of VERDICT_TRUSTED_KEYS, or <see cref="Anyone"/> when it is unset; a malformed key is a configuration error.</summary>
    public static VerdictTrust FromEnvironment(IReadOnlyDictionary<string, string?> environment) =>
        environment.GetValueOrDefault(VerdictKeys.TrustedVariable) is { } text && !string.IsNullOrWhiteSpace(text)
            ? Of(text, VerdictKeys.TrustedVariable)
            : Anyone;

    /// <summary>Trust for the public keys in <paramref name="text"/>.</summary>
    public static VerdictTrust Of(string text, string source = VerdictKeys.TrustedVariable) =>
        new(VerdictKeys.ImportTrusted(text, source).GroupBy(k => k.KeyId).ToDictionary(g => g.Key, g => g.First().PublicKey, StringComparer.Ordinal));

    /// <summary>How far <paramref name="entry"/> can be believed.</summary>
    public VerdictStanding Judge(LedgerEntry entry)
    {
        if (!Enforced)
        {
            return VerdictStanding.Trusted;
        }

        if (entry.Signature is not { } signature || entry.SignedBy is not { } keyId)
        {
            return VerdictStanding.Unsigned;
        }

        if (!_keys.TryGetValue(keyId, out var publicKey))
        {
            return VerdictStanding.UnknownKey;
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKey, out _);
            var payload = VerdictSignature.PayloadOf(entry with { Signature = null, Origin = null });
            return key.VerifyData(payload, Convert.FromBase64String(signature), HashAlgorithmName.SHA256) ? VerdictStanding.Trusted : VerdictStanding.Forged;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return VerdictStanding.Forged;
        }
    }

    /// <summary>Words for a standing other than trusted: "unsigned", "signed by an unknown key 0123…", "forged signature".</summary>
    public static string Describe(VerdictStanding standing, LedgerEntry entry) => standing switch
    {
        VerdictStanding.Trusted => "trusted",
        VerdictStanding.Unsigned => "unsigned",
        VerdictStanding.UnknownKey => $"signed by an untrusted key {entry.SignedBy}",
        _ => "forged: its signature does not match it",
    };
}
