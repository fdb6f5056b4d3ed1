namespace PortfolioBackup.Archive;

/// <summary>Which part of a restore a TOC entry belongs to (teSection in pg_backup.h).</summary>
public enum ArchiveSection
{
    /// <summary>Not yet known (entries of archives older than 1.11 are classified by type instead).</summary>
    Unknown = 0,

    /// <summary>Comments, ACLs and similar entries that can go anywhere.</summary>
    None = 1,

    /// <summary>Schema created before the data is loaded.</summary>
    PreData = 2,

    /// <summary>Table data and large objects.</summary>
    Data = 3,

    /// <summary>Indexes, constraints and triggers created after the data.</summary>
    PostData = 4,
}

/// <summary>Whether the TOC knows where an entry's data block starts (K_OFFSET_* in pg_backup_archiver.h).</summary>
public enum DataOffsetState
{
    /// <summary>The entry has data but its position was not recorded (the archive was written to a pipe).</summary>
    NotSet = 1,

    /// <summary>The entry has data at a known position in the file.</summary>
    Set = 2,

    /// <summary>The entry has no data block.</summary>
    NoData = 3,
}

/// <summary>One entry of a custom-format archive's table of contents, as <c>ReadToc</c> and <c>_ReadExtraToc</c> read it.</summary>
public sealed record TocEntry
{
    /// <summary>The entry's dump id; data blocks name their entry by it.</summary>
    public required int DumpId { get; init; }

    /// <summary>True when pg_dump had a data dumper for the entry (table data, large objects).</summary>
    public required bool HadDumper { get; init; }

    /// <summary>The OID of the system catalog holding the object.</summary>
    public required uint TableOid { get; init; }

    /// <summary>The object's OID.</summary>
    public required uint Oid { get; init; }

    /// <summary>The object's name (for TABLE DATA, the table's name).</summary>
    public required string Tag { get; init; }

    /// <summary>The entry type, e.g. <c>TABLE</c>, <c>TABLE DATA</c>, <c>INDEX</c>, <c>BLOBS</c>.</summary>
    public required string Desc { get; init; }

    /// <summary>The restore section.</summary>
    public required ArchiveSection Section { get; init; }

    /// <summary>The SQL that creates the object.</summary>
    public string? Definition { get; init; }

    /// <summary>The SQL that drops the object.</summary>
    public string? DropStatement { get; init; }

    /// <summary>For TABLE DATA in COPY form, the <c>COPY … FROM stdin;</c> statement; empty for INSERT-style data.</summary>
    public string? CopyStatement { get; init; }

    /// <summary>The schema, or null/empty when the object is not in one.</summary>
    public string? Namespace { get; init; }

    /// <summary>The tablespace (archive 1.10+).</summary>
    public string? Tablespace { get; init; }

    /// <summary>The table access method (archive 1.14+).</summary>
    public string? TableAccessMethod { get; init; }

    /// <summary>The relation kind, e.g. 'r' or 'p' (archive 1.16+); null when not recorded.</summary>
    public char? RelKind { get; init; }

    /// <summary>The object's owner.</summary>
    public string? Owner { get; init; }

    /// <summary>True when the table was dumped WITH OIDS (archives from before PostgreSQL 12).</summary>
    public bool WithOids { get; init; }

    /// <summary>Dump ids of the entries this one depends on.</summary>
    public IReadOnlyList<int> Dependencies { get; init; } = [];

    /// <summary>Whether the data block's position is known.</summary>
    public required DataOffsetState DataState { get; init; }

    /// <summary>The data block's byte offset in the file when <see cref="DataState"/> is <see cref="DataOffsetState.Set"/>.</summary>
    public long DataOffset { get; init; }

    /// <summary>True when a data block belongs to this entry.</summary>
    public bool HasData => DataState != DataOffsetState.NoData;

    /// <summary>"schema.name" for objects in a schema, else the tag.</summary>
    public string QualifiedName => string.IsNullOrEmpty(Namespace) ? Tag : $"{Namespace}.{Tag}";
}

/// <summary>A custom-format archive's header and table of contents.</summary>
public sealed record ArchiveToc(ArchiveHeader Header, IReadOnlyList<TocEntry> Entries)
{
    /// <summary>Bytes from the start of the file to the end of the TOC (where the first data block starts).</summary>
    public long Length { get; init; }

    /// <summary>The TABLE DATA entries, in archive order.</summary>
    public IEnumerable<TocEntry> TableData => Entries.Where(e => e.Desc == "TABLE DATA");

    /// <summary>How many entries of each type the TOC holds, most frequent first.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> CountsByType =>
        Entries.GroupBy(e => e.Desc, StringComparer.Ordinal)
            .Select(g => new KeyValuePair<string, int>(g.Key, g.Count()))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// True for a data-only dump (<c>pg_dump --data-only</c>): data entries and no table definitions. Its data entries still
    /// name their tables as dependencies, which the archive does not hold.
    /// </summary>
    public bool IsDataOnly => !Entries.Any(e => e.Desc == "TABLE") && Entries.Any(e => e.Desc is "TABLE DATA" or "BLOBS" or "LARGE OBJECTS" or "SEQUENCE SET");

    /// <summary>True for a schema-only dump (<c>pg_dump --schema-only</c>): table definitions and no table data at all.</summary>
    public bool IsSchemaOnly => Entries.Any(e => e.Desc == "TABLE") && !TableData.Any();

    /// <summary>True when every data entry's offset is known (the archive was written to a seekable file).</summary>
    public bool HasDataOffsets => Entries.Where(e => e.HasData).All(e => e.DataState == DataOffsetState.Set);

    /// <summary>
    /// The entries a restore into an existing database acts on, as <c>pg_restore --list</c> shows them: not the session
    /// settings (ENCODING, STDSTRINGS, SEARCHPATH, applied to every connection), nor the database's own entries, which only
    /// <c>--create</c> restores (<c>_tocEntryRequired</c> in pg_backup_archiver.c).
    /// </summary>
    public IEnumerable<TocEntry> RestoredEntries => Entries.Where(e =>
        e.Desc is not ("ENCODING" or "STDSTRINGS" or "SEARCHPATH" or "DATABASE" or "DATABASE PROPERTIES")
        && !(e.Desc is "COMMENT" or "SECURITY LABEL" or "ACL" && e.Tag.StartsWith("DATABASE ", StringComparison.Ordinal)));

    /// <summary>The tables the archive defines (TABLE entries; not their data, not partition attachments).</summary>
    public int TableCount => Entries.Count(e => e.Desc == "TABLE");

    /// <summary>True when the dump set standard_conforming_strings on (decides how backslashes in INSERT data read).</summary>
    public bool StandardConformingStrings =>
        Entries.FirstOrDefault(e => e.Desc == "STDSTRINGS")?.Definition?.Contains("'on'", StringComparison.Ordinal) ?? true;
}
