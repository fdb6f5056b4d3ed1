using PortfolioBackup.Archive;

namespace PortfolioBackup.Verification.Loading;

/// <summary>One plain COPY table-data entry the loader streams itself.</summary>
internal sealed record TableLoad(TocEntry Entry, TableName Table, string CopyStatement, long DataBytes, bool Split);

/// <summary>
/// What the parallel loader takes and what it leaves to <c>pg_restore</c>: it loads only plain <c>COPY … FROM stdin</c>
/// table data it can send byte for byte; every other entry of the data section (large objects, INSERT data, sequence
/// values, comments that follow data) goes to <c>pg_restore --section=data -L</c> as it would in a classic restore.
/// </summary>
internal sealed record ParallelLoadPlan(IReadOnlyList<TableLoad> Tables, IReadOnlyList<TocEntry> OtherData)
{
    /// <summary>The plan, or why this dump goes the classic way.</summary>
    public static (ParallelLoadPlan? Plan, string? WhyNot) Create(ArchiveScan scan, LoaderTuning tuning)
    {
        if (scan is not { IsComplete: true, Toc: { } toc })
        {
            return (null, "the archive was not read whole");
        }

        if (!toc.HasDataOffsets)
        {
            return (null, "the dump was written to a pipe, so the archive does not record where each table's data starts");
        }

        if (toc.Entries.Any(e => e.Section == ArchiveSection.Unknown))
        {
            return (null, $"the archive (version {toc.Header.ArchiveVersion}) does not record each entry's restore section");
        }

        // Rows go to the server as the dump's bytes over a UTF8 connection, so only a UTF8 (or ASCII) dump reads the same.
        var encoding = toc.Entries.FirstOrDefault(e => e.Desc == "ENCODING")?.Definition ?? "'UTF8'";
        if (!encoding.Contains("'UTF8'", StringComparison.OrdinalIgnoreCase) && !encoding.Contains("'SQL_ASCII'", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"the dump's encoding is not UTF8 ({encoding.Trim()})");
        }

        var sizes = scan.Tables.GroupBy(t => t.DumpId).ToDictionary(g => g.Key, g => g.First().DataBytes);
        var tables = new List<TableLoad>();
        var other = new List<TocEntry>();

        // pg_restore gives an entry without a section of its own (a comment, an ACL) the section of the entry before it.
        var section = ArchiveSection.PreData;
        foreach (var entry in toc.Entries)
        {
            if (entry.Section != ArchiveSection.None)
            {
                section = entry.Section;
            }

            if (section != ArchiveSection.Data)
            {
                continue;
            }

            if (IsPlainCopy(entry))
            {
                var bytes = sizes.GetValueOrDefault(entry.DumpId);
                tables.Add(new TableLoad(entry, new TableName(entry.Namespace!, entry.Tag), CopyCommand(entry.CopyStatement!), bytes, bytes >= tuning.SplitBytes));
            }
            else
            {
                other.Add(entry);
            }
        }

        if (tables.Count == 0)
        {
            return (null, "the dump holds no COPY table data (INSERT-style data or no tables)");
        }

        return (new ParallelLoadPlan(tables, other), null);
    }

    private static bool IsPlainCopy(TocEntry entry) =>
        entry is { Desc: "TABLE DATA", Section: ArchiveSection.Data, DataState: DataOffsetState.Set, WithOids: false }
        && !string.IsNullOrEmpty(entry.Namespace)
        && entry.CopyStatement is { } copy
        && copy.StartsWith("COPY ", StringComparison.Ordinal)
        && copy.TrimEnd().EndsWith("FROM stdin;", StringComparison.Ordinal);

    /// <summary>The dump's own statement, with its column list, as one command (without the trailing semicolon).</summary>
    private static string CopyCommand(string copyStatement) => copyStatement.TrimEnd().TrimEnd(';');
}
