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
        // One round trip: each sequence's state and its column's maximum come back with the list (query_to_xml runs the
        // per-sequence query on the server), instead of one query per sequence.
        var owned = await Sql.QueryAsync(connection, OwnedSequencesSql, r => new Owned(
            new TableName(r.GetString(0), r.GetString(1)), new TableName(r.GetString(2), r.GetString(3)), r.GetString(4),
            r.GetInt64(5), r.GetBoolean(6), r.IsDBNull(7) ? null : r.GetDecimal(7)), cancellationToken);
        var recorded = Recorded(context);
        var differ = new List<string>();
        var behind = new List<string>();
        foreach (var sequence in owned)
        {
            var (lastValue, isCalled, max) = (sequence.LastValue, sequence.IsCalled, sequence.Max);
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

    private sealed record Owned(TableName Sequence, TableName Table, string Column, long LastValue, bool IsCalled, decimal? Max);

    private const string OwnedSequencesSql = """
        SELECT sn, sr, tn, tr, col,
               (xpath('/row/l/text()', x))[1]::text::bigint,
               (xpath('/row/c/text()', x))[1]::text::boolean,
               (xpath('/row/m/text()', x))[1]::text::numeric
        FROM (
            SELECT sn.nspname AS sn, s.relname AS sr, tn.nspname AS tn, t.relname AS tr, a.attname AS col,
                   query_to_xml(format('SELECT s.last_value AS l, s.is_called AS c, (SELECT max(%I)::numeric FROM %I.%I) AS m FROM %I.%I s',
                                       a.attname, tn.nspname, t.relname, sn.nspname, s.relname), false, true, '') AS x
            FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_sequence q ON q.seqrelid = s.oid AND q.seqincrement > 0
            JOIN pg_namespace sn ON sn.oid = s.relnamespace
            JOIN pg_class t ON t.oid = d.refobjid
            JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
        ) owned
        ORDER BY 1, 2
        """;
}
