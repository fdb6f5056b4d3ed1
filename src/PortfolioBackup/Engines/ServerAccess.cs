using PortfolioBackup.Tools;

namespace PortfolioBackup.Engines;

/// <summary>
/// Who may connect to a throwaway cluster. The socket folder is 0700 and owned by the server's account, so no other
/// local user can even reach the socket; on top, connections through it use <c>peer</c> authentication mapped to two OS
/// accounts only (ours and the server's), so the kernel-reported uid is checked too and no password exists to leak.
/// TCP is only opened for a server given a password, and then only on 127.0.0.1 with scram-sha-256; nothing is trusted.
/// </summary>
internal static class ServerAccess
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const string MapName = "portfolio";

    /// <summary>Creates the socket folder (0700) inside a cluster's root folder.</summary>
    public static void CreateSocketDirectory(string socketDirectory) => Directory.CreateDirectory(socketDirectory, OwnerOnly);

    /// <summary>Writes pg_hba.conf and pg_ident.conf into the data folder and hands the root, socket folder and files to the server's account.</summary>
    public static async Task WriteAsync(LocalServerOptions options, string root, string dataDirectory, string socketDirectory, CancellationToken cancellationToken)
    {
        var hba = Path.Combine(dataDirectory, "pg_hba.conf");
        var ident = Path.Combine(dataDirectory, "pg_ident.conf");
        var lines = new List<string> { $"local all all peer map={MapName}" };
        if (options.SuperuserPassword is not null)
        {
            lines.Add("host all all 127.0.0.1/32 scram-sha-256");
        }

        var accounts = new[] { Environment.UserName, options.ServerOsUser }.Distinct(StringComparer.Ordinal);
        await WritePrivateAsync(hba, string.Join('\n', lines) + "\n", cancellationToken);
        await WritePrivateAsync(ident, string.Concat(accounts.Select(a => $"{MapName} {a} {options.Superuser}\n")), cancellationToken);
        File.SetUnixFileMode(root, OwnerOnly);
        File.SetUnixFileMode(socketDirectory, OwnerOnly);
        if (OperatingSystemIdentity.IsRoot)
        {
            await ToolRunner.RunCheckedAsync(new ToolInvocation("chown", [$"{options.ServerOsUser}:", root, socketDirectory, hba, ident]), cancellationToken);
        }
    }

    private static async Task WritePrivateAsync(string path, string text, CancellationToken cancellationToken)
    {
        File.Delete(path);
        await using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(text.AsMemory(), cancellationToken);
    }
}
