using System.Diagnostics;
using PortfolioBackup.Verification.Checks;

namespace PortfolioBackup.Verification;

/// <summary>
/// One dump whose verification is under way before the server it restores into is there: the file probed, its manifest
/// read (an encrypted dump decrypted) and the native read of the whole archive started, so all that overlaps the server's
/// start. Disposing it stops whatever still runs and removes what the context made.
/// </summary>
internal sealed class StartedDump : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<CheckContext> _context;
    private readonly Stopwatch _watch;

    private StartedDump(string path, PhaseTimings timings, CancellationTokenSource stop, Task<CheckContext> context, Stopwatch watch)
    {
        Path = path;
        Timings = timings;
        _stop = stop;
        _context = context;
        _watch = watch;
    }

    /// <summary>The dump's path.</summary>
    public string Path { get; }

    /// <summary>This dump's phase timings.</summary>
    public PhaseTimings Timings { get; }

    /// <summary>How long since the dump's verification started.</summary>
    public TimeSpan Elapsed => _watch.Elapsed;

    /// <summary>Starts reading the dump on the thread pool (the caller goes on starting the server) and returns at once.</summary>
    public static StartedDump Start(string dumpPath, VerificationOptions options, IProgress<VerificationProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var timings = PhaseTimings.For(options.Environment);
        var contextOptions = new CheckContextOptions
        {
            Expectations = options.Expectations,
            LedgerDirectory = options.LedgerDirectory,
            EarlierVerdicts = options.EarlierVerdicts,
            Trust = options.Trust,
            Jobs = options.Jobs,
            Loader = options.Loader,
            LoaderTuning = options.LoaderTuning,
            Progress = check => progress?.Report(new VerificationProgress(dumpPath, check)),
            Timings = timings,
            Identity = options.Identity,
            DecryptToFile = true,
        };
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var context = Task.Run(() => CreateAsync(dumpPath, contextOptions, stop.Token), CancellationToken.None);
        return new StartedDump(dumpPath, timings, stop, context, watch);
    }

    /// <summary>The dump's check context; throws what making it threw (as a verification that made it there would).</summary>
    public Task<CheckContext> ContextAsync() => _context;

    /// <summary>Stops what still runs (a dump whose server never started) and disposes the context.</summary>
    public async ValueTask DisposeAsync()
    {
        // Whatever still runs is stopped, not waited for to its end: after a verification nothing does; after a server that
        // failed to start, the read (or the decryption) of a dump that will not be verified.
        await _stop.CancelAsync();
        CheckContext? context = null;
        try
        {
            context = await _context;
        }
        catch (Exception) when (_context.IsFaulted || _context.IsCanceled)
        {
            // The context was never made: whoever awaited it got the exception; an abandoned one has no say.
        }

        if (context is not null)
        {
            await context.DisposeAsync();
        }

        _stop.Dispose();
    }

    private static async Task<CheckContext> CreateAsync(string dumpPath, CheckContextOptions options, CancellationToken cancellationToken)
    {
        var context = await CheckContext.CreateAsync(dumpPath, options, cancellationToken);
        if (context.Probe.IsCustomArchive)
        {
            // Started now, awaited by the checks: the quick tier's whole read runs while the server starts.
            _ = context.ArchiveAsync();
        }

        return context;
    }
}
