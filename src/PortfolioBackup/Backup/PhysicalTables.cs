namespace PortfolioBackup.Backup;

/// <summary>
/// The one definition of the tables whose rows the manifest, verification and restore count: ordinary tables
/// (<c>relkind = 'r'</c>, so a partitioned parent is skipped and its partitions count) in user schemas, not owned by an
/// extension (an extension's own tables are recreated by CREATE EXTENSION, not restored from the dump's data).
/// </summary>
internal static class PhysicalTables
{
    /// <summary>The WHERE condition over <c>pg_class c</c> joined with <c>pg_namespace n</c>.</summary>
    public const string Condition = """
        c.relkind = 'r'
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        """;

    /// <summary>Schema and name of every physical table, in a stable order.</summary>
    public const string ListSql = $"""
        SELECT n.nspname, c.relname
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE {Condition}
        ORDER BY n.nspname, c.relname
        """;

    /// <summary>Schema, name and exact row count (<c>count(*) FROM ONLY</c>, identifiers quoted by <c>format('%I.%I')</c>) of every physical table.</summary>
    public const string CountSql = $"""
        SELECT n.nspname, c.relname,
               (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM ONLY %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE {Condition}
        ORDER BY n.nspname, c.relname
        """;
}
