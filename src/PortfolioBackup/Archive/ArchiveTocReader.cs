using System.Globalization;

namespace PortfolioBackup.Archive;

/// <summary>Reads the TOC that follows the header (pg_backup_archiver.c ReadToc plus pg_backup_custom.c _ReadExtraToc).</summary>
internal static class ArchiveTocReader
{
    private static readonly Version V1_7 = new(1, 7, 0);
    private static readonly Version V1_8 = new(1, 8, 0);
    private static readonly Version V1_9 = new(1, 9, 0);
    private static readonly Version V1_10 = new(1, 10, 0);
    private static readonly Version V1_11 = new(1, 11, 0);
    private static readonly Version V1_14 = new(1, 14, 0);
    private static readonly Version V1_16 = new(1, 16, 0);

    /// <summary>Called with the number of entries read so far when the TOC breaks, so callers can say where.</summary>
    public static ArchiveToc Read(ArchiveStreamReader reader, ArchiveHeader header, Action<int>? progress = null)
    {
        var version = header.ArchiveVersion;
        var count = reader.ReadInt();
        if (count < 0 || count > 50_000_000)
        {
            throw new InvalidDataException($"implausible TOC entry count {count}");
        }

        // Capacity from what the file can hold, not from the claim: every entry takes well over 16 bytes.
        var capacity = (int)Math.Min(Math.Min(count, 100_000), (reader.Remaining ?? 16 * 1024) / 16);
        var entries = new List<TocEntry>(capacity);
        for (var i = 0; i < count; i++)
        {
            progress?.Invoke(i);
            var dumpId = reader.ReadInt();
            if (dumpId <= 0)
            {
                throw new InvalidDataException($"entry ID {dumpId} out of range -- perhaps a corrupt TOC");
            }

            var hadDumper = reader.ReadInt() != 0;
            var tableOid = version >= V1_8 ? ParseOid(reader.ReadString()) : 0u;
            var oid = ParseOid(reader.ReadString());
            var tag = reader.ReadString() ?? string.Empty;
            var desc = reader.ReadString() ?? string.Empty;
            var section = version >= V1_11 ? (ArchiveSection)reader.ReadInt() : ArchiveSection.Unknown;
            var definition = reader.ReadString();
            var dropStatement = reader.ReadString();
            var copyStatement = reader.ReadString();
            var ns = reader.ReadString();
            var tablespace = version >= V1_10 ? reader.ReadString() : null;
            var tableAm = version >= V1_14 ? reader.ReadString() : null;
            var relKind = version >= V1_16 ? reader.ReadInt() : 0;
            var owner = reader.ReadString();
            var withOids = version >= V1_9 && reader.ReadString() == "true";

            var dependencies = new List<int>();
            while (reader.ReadString() is { } dependency)
            {
                dependencies.Add(int.TryParse(dependency, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : 0);
            }

            var (flag, offset) = reader.ReadOffset();
            if (version < V1_7)
            {
                reader.ReadInt();
            }

            entries.Add(new TocEntry
            {
                DumpId = dumpId,
                HadDumper = hadDumper,
                TableOid = tableOid,
                Oid = oid,
                Tag = tag,
                Desc = desc,
                Section = section,
                Definition = definition,
                DropStatement = dropStatement,
                CopyStatement = copyStatement,
                Namespace = ns,
                Tablespace = tablespace,
                TableAccessMethod = tableAm,
                RelKind = relKind is > 0 and < 128 ? (char)relKind : null,
                Owner = owner,
                WithOids = withOids,
                Dependencies = dependencies,
                DataState = (DataOffsetState)flag,
                DataOffset = offset,
            });
        }

        return new ArchiveToc(header, entries) { Length = reader.Position };
    }

    private static uint ParseOid(string? text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
