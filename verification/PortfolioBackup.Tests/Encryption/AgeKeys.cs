using PortfolioBackup.Encryption;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Encryption;

/// <summary>A real age key pair from age-keygen, and the folders a decrypted copy could be left in.</summary>
internal sealed record AgeKeys(string Secret, string Public)
{
    public static async Task<AgeKeys> CreateAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var generated = await ToolRunner.RunCheckedAsync(new ToolInvocation("age-keygen", []), timeout.Token);
        var secret = generated.StandardOutput;
        var pub = secret.Split('\n').Single(l => l.StartsWith("# public key: ", StringComparison.Ordinal))["# public key: ".Length..].Trim();
        return new AgeKeys(secret, pub);
    }

    /// <summary>The secret key line alone (AGE-SECRET-KEY-1…), the part that must never leak.</summary>
    public string SecretLine => Secret.Split('\n').Single(l => l.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal)).Trim();

    /// <summary>Folders of decrypted copies owned by this test process that still exist in /dev/shm or the temp folder.</summary>
    public static IReadOnlyList<string> LeftoverDecryptedFolders() =>
        DecryptedCopy.Parents.Where(Directory.Exists)
            .SelectMany(p => Directory.GetDirectories(p, PrivateFolder.DecryptedPrefix + "*"))
            .Where(d => File.Exists(Path.Combine(d, "owner")) && File.ReadAllText(Path.Combine(d, "owner")).Trim() == ProcessOwner.Current)
            .ToList();
}
