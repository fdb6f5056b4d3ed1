using Npgsql;

namespace PortfolioBackup.Verification.Checks;

/// <summary><c>extensions</c>: every extension the dump creates and the expectations require is installed, and plpgsql runs.</summary>
internal sealed class ExtensionsCheck : IVerificationCheck
{
    public string Name => "extensions";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var connection = context.Restored!.Connection;
        var installed = await InstalledAsync(connection, cancellationToken);
        context.Extensions = installed.Select(e => $"{e.Key} {e.Value}").ToList();
        var missing = context.DumpExtensions.Concat(context.Expectations.RequiredExtensions).Distinct(StringComparer.Ordinal)
            .Where(e => !installed.ContainsKey(e)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            return CheckResult.Fail(Name, $"missing after restore: {string.Join(", ", missing)}");
        }

        try
        {
            await using var command = new NpgsqlCommand("DO $$ BEGIN PERFORM 1; END $$", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex)
        {
            return CheckResult.Fail(Name, $"plpgsql is installed but does not run: {ex.MessageText}");
        }

        return CheckResult.Pass(Name, $"installed: {string.Join(", ", context.Extensions)}");
    }

    /// <summary>Installed extensions and their versions, by name.</summary>
    public static async Task<SortedDictionary<string, string>> InstalledAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var rows = await Sql.QueryAsync(connection, "SELECT extname, extversion FROM pg_extension", r => (r.GetString(0), r.GetString(1)), cancellationToken);
        return new SortedDictionary<string, string>(rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal), StringComparer.Ordinal);
    }
}
