using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Npgsql;
using PortfolioBackup.Verification;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>
/// The suite's one throwaway server (discover once) and every dump restored into it. Each dump is restored and checked
/// the first time a test asks for it; its database stays on the server until the suite ends, so app-specific tests
/// open it with <see cref="OpenAsync"/>. Add your own checks as ordinary tests in <see cref="RestoredDumpsCollection"/>.
/// </summary>
public sealed class RestoredDatabases : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<DumpVerdict>>> _verdicts = new(StringComparer.Ordinal);
    private SampleBackup? _sample;
    private DumpVerifier? _verifier;

    /// <summary>The settings read from the environment.</summary>
    public SuiteSettings Settings { get; } = SuiteSettings.FromEnvironment();

    /// <summary>The dumps this run verifies (or why there are none).</summary>
    public DumpSelection Selection { get; private set; } = new();

    /// <summary>The server dumps are restored into (null when there is nothing to verify).</summary>
    public Engines.IRestoreServer? Server => _verifier?.Server;

    /// <summary>Starts the server once; with BACKUP_DIR unset, first builds the sample dump with the real backup engine.</summary>
    public async Task InitializeAsync()
    {
        Selection = DumpSelection.For(Settings);
        if (Selection.Problem is not null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        if (Selection.IsSample)
        {
            _sample = await SampleBackup.CreateAsync(timeout.Token);
            Selection = Selection with { Directory = _sample.Directory };
        }

        var expectations = await VerificationExpectations.LoadAsync(Settings.ConfigPath, Settings.Environment, timeout.Token);
        var options = Settings.ToVerificationOptions(expectations, Selection.Directory!);
        if (Selection.IsSample)
        {
            options = options with { DumpTimeout = TimeSpan.FromMinutes(10) };
        }

        _verifier = await DumpVerifier.CreateAsync(options, [.. Selection.FileNames.Select(name => Path.Combine(Selection.Directory!, name))], timeout.Token);
    }

    /// <summary>The verdict on one dump: restored and checked on first use, then reused by every test.</summary>
    public Task<DumpVerdict> VerifyAsync(DumpCase dump)
    {
        var verifier = RequireVerifier(dump);
        return _verdicts.GetOrAdd(
            dump.FileName,
            name => new Lazy<Task<DumpVerdict>>(() => verifier.VerifyDumpAsync(Path.Combine(Selection.Directory!, name)))).Value;
    }

    /// <summary>
    /// An open connection to the restored database of one dump, for app-specific checks; the caller disposes the
    /// connection, the database itself is dropped when the suite ends. Fails when the dump did not restore.
    /// </summary>
    public async Task<NpgsqlConnection> OpenAsync(DumpCase dump)
    {
        var verdict = await VerifyAsync(dump);
        if (verdict.RestoredDatabase is not { } database)
        {
            var why = verdict.Failures.FirstOrDefault() is { } failure ? $"{failure.Name} failed: {failure.Detail}" : "no database was kept";
            throw new InvalidOperationException($"{dump.FileName} did not restore, so app-specific checks cannot run on it ({why}).");
        }

        var connection = new NpgsqlConnection(_verifier!.Server.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Writes the report (REPORT, VERIFY_SUMMARY_FILE), drops the restored databases and stops the server.</summary>
    public async Task DisposeAsync()
    {
        try
        {
            var verdicts = new List<DumpVerdict>();
            foreach (var name in Selection.FileNames)
            {
                if (_verdicts.TryGetValue(name, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                {
                    verdicts.Add(lazy.Value.Result);
                }
            }

            var report = new VerificationReport(verdicts, Notes());
            if (Settings.ReportPath is { } reportPath)
            {
                await VerificationReportWriter.WriteAsync(report, reportPath);
            }

            if (Settings.SummaryPath is { } summaryPath)
            {
                await File.WriteAllTextAsync(summaryPath, Summary(report, Selection.Problem));
            }

            if (_verifier is not null)
            {
                foreach (var verdict in verdicts.Where(v => v.RestoredDatabase is not null))
                {
                    await _verifier.DropRestoredDatabaseAsync(verdict.RestoredDatabase!);
                }
            }
        }
        finally
        {
            if (_verifier is not null)
            {
                await _verifier.DisposeAsync();
            }

            if (_sample is not null)
            {
                await _sample.DisposeAsync();
            }
        }
    }

    /// <summary>The report as plain text: one block per dump with every check and every table's exact rows.</summary>
    public static string Summary(VerificationReport report, string? problem)
    {
        var text = new StringBuilder();
        foreach (var note in report.Notes)
        {
            text.Append(CultureInfo.InvariantCulture, $"note: {note}\n");
        }

        if (problem is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"nothing verified: {problem}\n");
        }

        foreach (var line in report.Dumps.SelectMany(dump => VerdictText.Lines(dump, Path.GetFileName(dump.File))))
        {
            text.Append(line).Append('\n');
        }

        text.Append(VerdictText.Summary(report)).Append('\n');
        return text.ToString();
    }

    private List<string> Notes()
    {
        var notes = new List<string>(_verifier?.Notes ?? []);
        if (Selection.IsSample)
        {
            notes.Add($"BACKUP_DIR is not set: verified a sample dump of the portfolio seed made by the backup engine, not production backups");
        }

        return notes;
    }

    private DumpVerifier RequireVerifier(DumpCase dump)
    {
        if (Selection.Problem is { } problem)
        {
            throw new InvalidOperationException($"Nothing to verify: {problem}.\n{SuiteSettings.Help}");
        }

        if (dump.IsNothingToVerify || !Selection.FileNames.Contains(dump.FileName, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"{dump.FileName} is not among the dumps selected in {Selection.Directory}; it was removed after the tests were discovered.");
        }

        return _verifier!;
    }
}

/// <summary>The collection every suite test joins, so all share one server and each dump is restored once.</summary>
[CollectionDefinition(Name)]
public sealed class RestoredDumpsCollection : ICollectionFixture<RestoredDatabases>
{
    /// <summary>The collection's name for <c>[Collection(RestoredDumpsCollection.Name)]</c>.</summary>
    public const string Name = "restored dumps";
}
