using Npgsql;

namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>sequences</c>: every column-owned sequence is restored at least where the source had it (the manifest's state, read
/// in the dump's snapshot; sequences are not transactional, so a busy source's dump may be a little ahead, never behind).
/// A sequence behind its column's maximum (the next insert would collide) fails only when the restore is behind the
/// source; when the source was so too, it is a warning: the backup is faithful, the source needs a <c>setval</c>.
/// </summary>
internal sealed class SequencesCheck : IVerificationCheck
{
    public string Name => "sequences";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var connection = context.Restored!.Connection;
        var owned = await Sql.QueryAsync(connection, OwnedSequencesSql, r => new Owned(
            new TableName(r.GetString(0), r.GetString(1)), r.GetString(2), new TableName(r.GetString(3), r.GetString(4)), r.GetString(5), r.GetString(6), r.GetString(7)), cancellationToken);
        var recorded = Recorded(context);
        var differ = new List<string>();
        var behind = new List<string>();
        foreach (var sequence in owned)
        {
            var (lastValue, isCalled, max) = await StateAsync(connection, sequence, cancellationToken);
            var label = $"{sequence.Table}.{TableName.Quote(sequence.Column)}";
            if (recorded is not null)
            {
                if (!recorded.TryGetValue(sequence.Sequence, out var source))
                {
                    differ.Add($"{sequence.Sequence} (owned by {label}) is not in the manifest's sequences");
                    continue;
                }

                if (HandedOut(lastValue, isCalled) < HandedOut(source.LastValue, source.IsCalled))
                {
                    differ.Add($"{sequence.Sequence}: restored at {Describe(lastValue, isCalled)}, behind the source's {Describe(source.LastValue, source.IsCalled)}");
                    continue;
                }
            }

            if (max is { } columnMax && HandedOut(lastValue, isCalled) < columnMax)
            {
                behind.Add($"{label}: sequence {sequence.Sequence} is at {Describe(lastValue, isCalled)} but the column reaches {columnMax}");
            }
        }

        if (recorded is not null)
        {
            var restored = owned.Select(o => o.Sequence).ToHashSet();
            differ.AddRange(recorded.Keys.Where(k => !restored.Contains(k)).Order().Select(k => $"{k} is in the manifest but not restored as a column-owned sequence"));
        }

        if (differ.Count > 0)
        {
            return CheckResult.Fail(Name, $"restored sequences behind the source: {string.Join("; ", differ)}");
        }

        if (behind.Count > 0)
        {
            var why = recorded is null
                ? "no manifest records the source's sequences, so this may be how the source is"
                : "the source's sequences were so too (recorded in the manifest): the backup is faithful, the source needs setval";
            return CheckResult.Warn(Name, $"sequence behind its column, the next insert would collide ({why}): {string.Join("; ", behind)}");
        }

        return CheckResult.Pass(Name, recorded is null
            ? $"{owned.Count} column-owned sequences are at or past their columns' maximum"
            : $"{owned.Count} column-owned sequences restored at or past the manifest's state, each at or past its column's maximum");
    }

    /// <summary>The source's sequence states from the manifest (same snapshot as the dump), or null when it has none.</summary>
    private static Dictionary<TableName, (long LastValue, bool IsCalled)>? Recorded(CheckContext context) =>
        context.Manifest?.Sequences?.GroupBy(s => new TableName(s.Schema, s.Name)).ToDictionary(g => g.Key, g => (g.First().LastValue, g.First().IsCalled));

    /// <summary>The highest value the sequence has handed out (last_value itself only once it was called).</summary>
    private static long HandedOut(long lastValue, bool isCalled) => isCalled ? lastValue : lastValue - 1;

    private static string Describe(long lastValue, bool isCalled) => isCalled ? lastValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{lastValue} (not called)";

    private static async Task<(long LastValue, bool IsCalled, decimal? Max)> StateAsync(NpgsqlConnection connection, Owned sequence, CancellationToken cancellationToken)
    {
        // Both identifiers come from format('%I…') on the server, so they are quoted exactly once.
        await using var command = new NpgsqlCommand($"SELECT s.last_value, s.is_called, (SELECT max({sequence.QuotedColumn})::numeric FROM {sequence.QuotedTable}) FROM {sequence.QuotedSequence} s", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetDecimal(2));
    }

    private sealed record Owned(TableName Sequence, string QuotedSequence, TableName Table, string Column, string QuotedTable, string QuotedColumn);

    private const string OwnedSequencesSql = """
        SELECT sn.nspname, s.relname, format('%I.%I', sn.nspname, s.relname), tn.nspname, t.relname, a.attname,
               format('%I.%I', tn.nspname, t.relname), format('%I', a.attname)
        FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_sequence q ON q.seqrelid = s.oid AND q.seqincrement > 0
        JOIN pg_namespace sn ON sn.oid = s.relnamespace
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_namespace tn ON tn.oid = t.relnamespace
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
        ORDER BY 1, 2
        """;
}
