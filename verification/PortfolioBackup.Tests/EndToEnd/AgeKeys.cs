using CliWrap.Buffered;

namespace PortfolioBackup.Tests.EndToEnd;

/// <summary>A fresh age key pair from the real age-keygen, for tests that encrypt.</summary>
internal static class AgeKeys
{
    public static async Task<(string Public, string Secret)> GenerateAsync(string keyFile)
    {
        await CliWrap.Cli.Wrap("age-keygen").WithArguments(["-o", keyFile]).ExecuteBufferedAsync();
        var lines = await File.ReadAllLinesAsync(keyFile);
        var publicKey = lines.Single(l => l.StartsWith("# public key: ", StringComparison.Ordinal))["# public key: ".Length..];
        var secret = lines.Single(l => l.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal));
        return (publicKey, secret);
    }
}
