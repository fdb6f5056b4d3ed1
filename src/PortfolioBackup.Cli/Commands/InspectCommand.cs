using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioBackup.Archive;
using PortfolioBackup.Encryption;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Cli.Commands;

/// <summary><c>portfolio-backup inspect &lt;dump&gt; [--json]</c>: what a dump file is and what it holds, read natively.</summary>
internal static class InspectCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Command Create(CliContext context)
    {
        var dump = new Argument<string>("dump") { Description = "The dump file to inspect (a pg_dump -Fc archive)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("inspect", "Show a dump's header, table of contents and per-table row counts, read without restoring it.")
        {
            dump,
            json,
        };
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(context, parseResult.GetValue(dump)!, parseResult.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string path, bool asJson, CancellationToken cancellationToken)
    {
        if (EncryptedDump.IsEncrypted(path))
        {
            return await InspectEncryptedAsync(context, path, asJson, cancellationToken);
        }

        var scan = await ArchiveReader.ScanAsync(path, cancellationToken);
        var listing = scan.Header is null ? null : await ListWithPgRestoreAsync(context, path, scan.Header, cancellationToken);
        if (asJson)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(ToJson(scan, listing), JsonOptions));
        }
        else
        {
            await WriteTextAsync(context.Out, scan, listing);
        }

        if (scan.Verdict == ArchiveVerdict.NotAnArchive && !asJson)
        {
            await context.Error.WriteLineAsync($"error: {path} is not a custom-format dump: {scan.Detail}");
        }

        return scan.IsComplete ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<int> InspectEncryptedAsync(CliContext context, string path, bool asJson, CancellationToken cancellationToken)
    {
        var read = await EncryptedDump.ScanAsync(path, AgeIdentity.FromEnvironment(context.Environment), cancellationToken);
        var forWhom = read.Recipients is { } r ? string.Join(", ", r) : "unknown (no manifest)";
        if (read.Scan is not { } scan)
        {
            if (asJson)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(new { file = path, kind = DumpFileKind.Encrypted, encryptedFor = read.Recipients, complete = false, detail = read.Problem }, JsonOptions));
            }
            else
            {
                await context.Out.WriteLineAsync($"file:            {path}");
                await context.Out.WriteLineAsync("kind:            age-encrypted file");
                await context.Out.WriteLineAsync($"verdict:         NOT READ: {read.Problem}");
            }

            return ExitCodes.Failed;
        }

        // pg_restore -l would need the plaintext a second time; inspect never writes it out, so the native read stands alone.
        var listing = new PgRestoreListing($"pg_restore -l: not run (the dump is age-encrypted for {forWhom}; it was decrypted into the native reader only)", null);
        if (asJson)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(new { encryption = new { tool = "age", recipients = read.Recipients, plaintextSha256 = scan.Sha256 }, archive = ToJson(scan, listing) }, JsonOptions));
        }
        else
        {
            await context.Out.WriteLineAsync($"encryption:      age, for {forWhom}; plaintext sha256 {scan.Sha256}");
            await WriteTextAsync(context.Out, scan, listing);
        }

        return scan.IsComplete ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task WriteTextAsync(TextWriter output, ArchiveScan scan, PgRestoreListing? listing)
    {
        await output.WriteLineAsync($"file:            {scan.Path} ({ByteSize.Format(scan.SizeBytes)})");
        await output.WriteLineAsync($"kind:            {KindName(scan.FileKind)}");
        if (scan.Header is { } header)
        {
            await output.WriteLineAsync($"archive version: {header.ArchiveVersion.ToString(3)}");
            await output.WriteLineAsync($"compression:     {header.CompressionName}{(header.CompressionLevel is { } level and not 0 ? $" (level {level})" : string.Empty)}");
            await output.WriteLineAsync($"created:         {header.CreatedAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "unknown"} (pg_dump's local time)");
            await output.WriteLineAsync($"database:        {header.DatabaseName}");
            await output.WriteLineAsync($"server version:  {header.ServerVersion}");
            await output.WriteLineAsync($"pg_dump version: {header.PgDumpVersion}");
        }

        if (scan.Toc is { } toc)
        {
            var types = string.Join(", ", toc.CountsByType.Select(p => $"{p.Value} {p.Key}"));
            await output.WriteLineAsync($"TOC:             {toc.Entries.Count} entries ({types})");
            await output.WriteLineAsync($"data offsets:    {(toc.HasDataOffsets ? "recorded (written to a seekable file)" : "not recorded (written to a pipe)")}");
            if (toc.IsDataOnly)
            {
                await output.WriteLineAsync("content:         data only (pg_dump --data-only): no schema; it restores only into a database that has its tables");
            }
        }

        await output.WriteLineAsync($"verdict:         {VerdictName(scan.Verdict)}: {scan.Detail}");
        await output.WriteLineAsync($"read:            {ByteSize.Format(scan.BytesRead)} in {scan.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s");

        if (scan.Tables.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"tables ({scan.Tables.Count}, rows counted from the archive's data):");
            var width = scan.Tables.Max(t => t.QualifiedName.Length);
            foreach (var table in scan.Tables)
            {
                var rows = table.Rows?.ToString("N0", CultureInfo.InvariantCulture) ?? $"not counted: {table.NotCountedReason}";
                var format = table.Format == TableDataFormat.Inserts ? " (INSERT statements)" : string.Empty;
                await output.WriteLineAsync($"  {table.QualifiedName.PadRight(width)}  {rows,12}{format}  {ByteSize.Format(table.DataBytes)}");
            }
        }

        if (scan.Blobs > 0)
        {
            await output.WriteLineAsync($"large objects:   {scan.Blobs}");
        }

        if (listing is not null)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync(listing.Note);
            if (listing.Output is not null)
            {
                await output.WriteAsync(listing.Output);
            }
        }
    }

    private static object ToJson(ArchiveScan scan, PgRestoreListing? listing) => new
    {
        file = scan.Path,
        sizeBytes = scan.SizeBytes,
        kind = scan.FileKind,
        verdict = scan.Verdict,
        complete = scan.IsComplete,
        detail = scan.Detail,
        header = scan.Header is { } h
            ? new
            {
                archiveVersion = h.ArchiveVersion.ToString(3),
                compression = h.CompressionName,
                compressionLevel = h.CompressionLevel,
                created = h.CreatedAt?.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                database = h.DatabaseName,
                serverVersion = h.ServerVersion,
                pgDumpVersion = h.PgDumpVersion,
                intSize = h.IntSize,
                offsetSize = h.OffsetSize,
            }
            : null,
        toc = scan.Toc is { } toc
            ? new
            {
                entries = toc.Entries.Count,
                dataOffsetsRecorded = toc.HasDataOffsets,
                byType = toc.CountsByType.ToDictionary(p => p.Key, p => p.Value),
            }
            : null,
        tables = scan.Tables.Select(t => new
        {
            schema = t.Schema,
            name = t.Name,
            rows = t.Rows,
            notCountedReason = t.NotCountedReason,
            format = t.Format,
            dataBytes = t.DataBytes,
            storedBytes = t.StoredBytes,
        }),
        largeObjects = scan.Blobs,
        bytesRead = scan.BytesRead,
        durationSeconds = Math.Round(scan.Duration.TotalSeconds, 3),
        pgRestore = listing is null ? null : new { note = listing.Note, list = listing.Output },
    };

    /// <summary>Runs the real <c>pg_restore -l</c>; an old or missing pg_restore becomes a note, never a failure of the command.</summary>
    private static async Task<PgRestoreListing> ListWithPgRestoreAsync(CliContext context, string path, ArchiveHeader header, CancellationToken cancellationToken)
    {
        PgBinaries binaries;
        try
        {
            binaries = PgBinaries.Discover(environment: context.Environment);
        }
        catch (ToolNotFoundException ex)
        {
            return new PgRestoreListing($"pg_restore -l: not run ({ex.Message})", null);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var result = await ToolRunner.RunAsync(new ToolInvocation(binaries.PathOf("pg_restore"), ["--list", path]), timeout.Token);
        if (result.Succeeded)
        {
            return new PgRestoreListing($"pg_restore -l (pg_restore {binaries.MajorVersion}):", result.StandardOutput);
        }

        if (result.StandardError.Contains("unsupported version", StringComparison.OrdinalIgnoreCase))
        {
            return new PgRestoreListing(
                $"pg_restore -l: pg_restore {binaries.MajorVersion} is too old for archive version {header.ArchiveVersion.ToString(3)} " +
                $"(written by pg_dump {header.PgDumpVersion}); install the PostgreSQL {header.PgDumpMajor} client programs or set PG_BIN_DIR. " +
                "The native reading above does not need it.",
                null);
        }

        return new PgRestoreListing($"pg_restore -l failed (exit code {result.ExitCode}): {ToolRunner.Tail(result.StandardError)}", null);
    }

    private static string KindName(DumpFileKind kind) => kind switch
    {
        DumpFileKind.Custom => "custom-format archive (pg_dump -Fc)",
        DumpFileKind.PlainSql => "plain SQL script",
        DumpFileKind.Tar => "tar-format archive",
        DumpFileKind.Directory => "directory-format archive",
        DumpFileKind.Truncated => "truncated custom-format archive",
        DumpFileKind.Empty => "empty file",
        DumpFileKind.Missing => "missing",
        DumpFileKind.Unreadable => "unreadable",
        DumpFileKind.NotARegularFile => "not a regular file (never opened)",
        DumpFileKind.UnsupportedVersion => "custom-format archive of an unsupported version",
        _ => "not a PostgreSQL dump",
    };

    private static string VerdictName(ArchiveVerdict verdict) => verdict switch
    {
        ArchiveVerdict.Complete => "complete",
        ArchiveVerdict.Incomplete => "INCOMPLETE",
        ArchiveVerdict.Corrupt => "CORRUPT",
        ArchiveVerdict.UnsupportedCompression => "UNSUPPORTED COMPRESSION",
        ArchiveVerdict.UnsupportedVersion => "UNSUPPORTED VERSION",
        _ => "NOT A CUSTOM-FORMAT DUMP",
    };

    private sealed record PgRestoreListing(string Note, string? Output);
}
