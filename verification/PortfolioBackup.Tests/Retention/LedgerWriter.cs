using System.Security.Cryptography;
using PortfolioBackup.Catalog;

namespace PortfolioBackup.Tests.Retention;

/// <summary>Appends verification ledger lines about files in a test folder, with the files' real SHA-256.</summary>
internal static class LedgerWriter
{
    public static async Task<LedgerEntry> VerifiedAsync(string dumpPath, bool healthy, DateTimeOffset verifiedAt, string? sha256 = null)
    {
        var entry = new LedgerEntry
        {
            File = Path.GetFileName(dumpPath),
            Sha256 = sha256 ?? Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(dumpPath))),
            VerifiedAt = verifiedAt,
            Database = "portfolio",
            Engine = "local",
            Healthy = healthy,
        };
        await VerificationLedger.AppendAsync(Path.GetDirectoryName(dumpPath)!, entry);
        return entry;
    }
}
