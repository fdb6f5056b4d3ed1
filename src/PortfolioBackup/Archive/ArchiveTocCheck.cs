using System.Text;

namespace PortfolioBackup.Archive;

/// <summary>
/// What can be checked of a TOC without a manifest: it must hang together the way pg_dump writes it (pg_dump.c dumpTableData
/// makes each TABLE DATA entry depend on exactly its table and gives it the table's tag, namespace and a COPY naming it;
/// pg_backup_custom.c records each block's position). A TOC whose text was changed breaks one of these.
/// </summary>
internal static class ArchiveTocCheck
{
    /// <summary>Every inconsistency found, in TOC order; empty when the TOC hangs together.</summary>
    public static IReadOnlyList<string> Find(ArchiveToc toc)
    {
        var problems = new List<string>();
        var byId = new Dictionary<int, TocEntry>();
        foreach (var entry in toc.Entries)
        {
            if (!byId.TryAdd(entry.DumpId, entry))
            {
                problems.Add($"dump id {entry.DumpId} is used by two entries ({byId[entry.DumpId].Desc} {byId[entry.DumpId].QualifiedName} and {entry.Desc} {entry.QualifiedName})");
            }
        }

        var parents = PartitionParents(toc);
        var offsets = new Dictionary<long, TocEntry>();
        foreach (var entry in toc.Entries)
        {
            var name = $"{entry.Desc} {entry.QualifiedName} (dump id {entry.DumpId})";
            if (entry.Desc.Length == 0)
            {
                problems.Add($"entry {entry.DumpId} has no type");
            }

            if (toc.Header.ArchiveVersion >= new Version(1, 11, 0) && entry.Section is < ArchiveSection.None or > ArchiveSection.PostData)
            {
                problems.Add($"{name} has section {(int)entry.Section}, which is none of pre-data, data, post-data or none");
            }

            if (entry.Dependencies.Any(d => d <= 0))
            {
                problems.Add($"{name} has a dependency that is not a dump id");
            }

            if (entry.DataState == DataOffsetState.Set)
            {
                // An offset past the file's end is what a truncated file looks like; the data read reports that as truncation.
                if (entry.DataOffset < toc.Length)
                {
                    problems.Add($"the data of {name} is recorded at byte {entry.DataOffset}, inside the header or the table of contents (which end at byte {toc.Length})");
                }
                else if (!offsets.TryAdd(entry.DataOffset, entry))
                {
                    problems.Add($"the data of {name} is recorded at byte {entry.DataOffset}, where the data of {offsets[entry.DataOffset].QualifiedName} is recorded too");
                }
            }

            if (entry.Desc == "TABLE DATA")
            {
                CheckTableData(entry, name, byId, parents, problems, toc.IsDataOnly);
            }
        }

        return problems;
    }

    /// <summary>The first problems in one sentence, as the scan's detail.</summary>
    public static string Describe(IReadOnlyList<string> problems) =>
        $"the table of contents is inconsistent (damaged after pg_dump wrote it): {string.Join("; ", problems.Take(3))}" +
        (problems.Count > 3 ? $"; and {problems.Count - 3} more" : string.Empty);

    private static void CheckTableData(
        TocEntry entry, string name, Dictionary<int, TocEntry> byId, Dictionary<(string, string), (string, string)> parents, List<string> problems, bool dataOnly)
    {
        // A data-only dump keeps each data entry's dependency on its table, whose definition it leaves out by design.
        var missing = entry.Dependencies.Where(d => d > 0 && !byId.ContainsKey(d)).ToList();
        if (missing.Count > 0 && !dataOnly)
        {
            problems.Add($"{name} depends on entry {string.Join(", ", missing)}, which the table of contents does not list");
        }

        var table = entry.Dependencies.Select(d => byId.GetValueOrDefault(d)).FirstOrDefault(e => e?.Desc == "TABLE");
        if (table is not null && (table.Tag != entry.Tag || table.Namespace != entry.Namespace))
        {
            problems.Add($"{name} belongs to TABLE {table.QualifiedName} but names {entry.QualifiedName}");
        }

        if (!string.IsNullOrWhiteSpace(entry.CopyStatement))
        {
            var copied = CopiedTable(entry.CopyStatement);
            if (copied is null)
            {
                problems.Add($"{name} has an unreadable COPY statement");
            }
            else if (!Ancestry((entry.Namespace ?? string.Empty, entry.Tag), parents).Contains(copied.Value))
            {
                // pg_dump --load-via-partition-root copies a partition's rows into its root, which the TOC's ATTACH entries name.
                problems.Add($"{name} copies into {copied.Value.Schema}.{copied.Value.Name}, not into {entry.QualifiedName}");
            }
        }
    }

    /// <summary>Each partition's parent, from the TABLE ATTACH entries (<c>ALTER TABLE ONLY parent ATTACH PARTITION child …</c>).</summary>
    private static Dictionary<(string, string), (string, string)> PartitionParents(ArchiveToc toc)
    {
        const string prefix = "ALTER TABLE ONLY ";
        var parents = new Dictionary<(string, string), (string, string)>();
        foreach (var attach in toc.Entries.Where(e => e.Desc == "TABLE ATTACH" && e.Definition is not null))
        {
            var definition = attach.Definition!;
            if (definition.StartsWith(prefix, StringComparison.Ordinal) && CopiedTable("COPY " + definition[prefix.Length..]) is { } parent)
            {
                parents.TryAdd((attach.Namespace ?? string.Empty, attach.Tag), parent);
            }
        }

        return parents;
    }

    /// <summary>The table itself and every partition ancestor of it (bounded: a damaged TOC could describe a cycle).</summary>
    private static List<(string, string)> Ancestry((string, string) table, Dictionary<(string, string), (string, string)> parents)
    {
        var chain = new List<(string, string)> { table };
        while (chain.Count <= parents.Count && parents.TryGetValue(chain[^1], out var parent))
        {
            chain.Add(parent);
        }

        return chain;
    }

    /// <summary>The schema and table a <c>COPY schema.table (…) FROM stdin;</c> statement names (identifiers as fmtId quotes them).</summary>
    internal static (string Schema, string Name)? CopiedTable(string statement)
    {
        const string prefix = "COPY ";
        if (!statement.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var position = prefix.Length;
        var schema = Identifier(statement, ref position);
        if (schema is null || position >= statement.Length || statement[position] != '.')
        {
            return null;
        }

        position++;
        var name = Identifier(statement, ref position);
        return name is null ? null : (schema, name);
    }

    private static string? Identifier(string text, ref int position)
    {
        var builder = new StringBuilder();
        if (position < text.Length && text[position] == '"')
        {
            position++;
            while (position < text.Length)
            {
                if (text[position] == '"')
                {
                    if (position + 1 < text.Length && text[position + 1] == '"')
                    {
                        builder.Append('"');
                        position += 2;
                        continue;
                    }

                    position++;
                    return builder.ToString();
                }

                builder.Append(text[position++]);
            }

            return null;
        }

        while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] is '_' or '$'))
        {
            builder.Append(text[position++]);
        }

        return builder.Length == 0 ? null : builder.ToString();
    }
}
