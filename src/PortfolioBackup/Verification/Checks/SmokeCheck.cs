using Npgsql;

namespace PortfolioBackup.Verification.Checks;

/// <summary><c>smoke:&lt;name&gt;</c>: a configured query returns true on the restored database.</summary>
internal sealed class SmokeCheck(SmokeQuery smoke) : IVerificationCheck
{
    public string Name => $"smoke:{smoke.Name}";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = new NpgsqlCommand(smoke.Sql, context.Restored!.Connection) { CommandTimeout = 300 };
            var value = await command.ExecuteScalarAsync(cancellationToken);
            return value is true
                ? CheckResult.Pass(Name, "returned true")
                : CheckResult.Fail(Name, $"returned {(value is null or DBNull ? "null" : value)} instead of true: {smoke.Sql}");
        }
        catch (PostgresException ex)
        {
            return CheckResult.Fail(Name, $"failed: {ex.MessageText} ({smoke.Sql})");
        }
    }
}
