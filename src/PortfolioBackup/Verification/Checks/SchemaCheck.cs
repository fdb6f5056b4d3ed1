namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>schema</c>: the restored database's tables, columns (types, nullability) and extensions (versions), compared with the last
/// healthy verification of the same database. A difference is a <b>warn</b>: the dump is faithful, and a schema that moved
/// (a migration, a dropped table) is worth a look before it is the only backup left.
/// </summary>
internal sealed class SchemaCheck : IVerificationCheck
{
    private const int Shown = 12;

    public string Name => "schema";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var schema = await RestoredSchema.ReadAsync(context.Restored!.Connection, cancellationToken);
        context.Schema = schema;
        var tables = schema.Count(l => l.StartsWith("table ", StringComparison.Ordinal));
        var columns = schema.Count(l => l.StartsWith("column ", StringComparison.Ordinal));
        var shape = $"{tables} table{CheckText.Plural(tables)}, {columns} column{CheckText.Plural(columns)}";
        var (earlier, unreadable) = await context.EarlierVerdictsAsync(cancellationToken);
        if (unreadable is not null)
        {
            return CheckResult.Warn(Name, $"{shape}; not compared with earlier verifications: {unreadable}");
        }

        var previous = earlier.All
            .Where(v => v.Trusted && v.Entry.Healthy && v.Entry.Schema is not null && string.Equals(v.Entry.Database, context.Database, StringComparison.Ordinal))
            .Select(v => v.Entry)
            .LastOrDefault();
        if (previous is null)
        {
            return CheckResult.Pass(Name, $"{shape}; recorded as the first healthy verification of database {context.Database ?? "(unknown)"} to compare the next ones with");
        }

        var changes = RestoredSchema.Diff(previous.Schema!, schema);
        if (changes.Count == 0)
        {
            return CheckResult.Pass(Name, $"{shape}, the same as at the last healthy verification ({previous.File})");
        }

        var listed = string.Join("; ", changes.Take(Shown)) + (changes.Count > Shown ? $"; and {changes.Count - Shown} more" : string.Empty);
        return CheckResult.Warn(Name, $"{listed} (since {previous.File})");
    }
}
