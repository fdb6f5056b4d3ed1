using System.CommandLine;
using PortfolioBackup.Catalog;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup verdict-key</c>: makes the key pair that signs verdicts (the verifier) and checks them (the droplet).</summary>
internal static class VerdictKeyCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command(
            "verdict-key",
            $"Make a key pair for signed verdicts: {VerdictKeys.SigningVariable} (secret: only where verification runs, e.g. a CI secret) and " +
            $"{VerdictKeys.TrustedVariable} (public: on the droplet, where status, list and retention then believe only verdicts signed by it).");
        command.SetAction(async (_, _) =>
        {
            var (secret, publicKey, keyId) = VerdictKeys.Generate();
            await context.Out.WriteLineAsync($"# key {keyId}: the secret line goes only where verification runs (CI secret, Doppler); never on the droplet");
            await context.Out.WriteLineAsync($"{VerdictKeys.SigningVariable}={secret}");
            await context.Out.WriteLineAsync("# the public line goes on the droplet: status, list and retention then trust only verdicts signed by this key");
            await context.Out.WriteLineAsync($"{VerdictKeys.TrustedVariable}={publicKey}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
