using System.Text.RegularExpressions;

namespace PortfolioBackup.Alerts;

/// <summary>
/// One job's alerts: the start ping, then the success or fail ping with the job's last lines, and the notification
/// (on failure, or always). Every send is bounded by <see cref="AlertHttp.Budget"/>; what failed comes back as warnings.
/// </summary>
public sealed partial class JobAlerts
{
    /// <summary>The run id a script exports so that its separate <c>ping</c> calls (start, then end) pair up.</summary>
    public const string RunIdVariable = "PORTFOLIO_PING_RID";

    private readonly AlertSettings _settings;
    private readonly AlertJob _job;

    // healthchecks.io pairs a start with its end by run id, so overlapping runs are timed correctly.
    private readonly string _runId;

    private JobAlerts(AlertSettings settings, AlertJob job, string runId)
    {
        _settings = settings;
        _job = job;
        _runId = runId;
    }

    /// <summary>
    /// The alerts of one run of a job; <paramref name="runId"/> is given when the start and the end are sent by separate
    /// processes (a script's two <c>ping</c> calls), else each run makes its own.
    /// </summary>
    public static JobAlerts For(AlertSettings settings, AlertJob job, string? runId = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (runId is not null && !IsRunId(runId))
        {
            throw new ArgumentException($"'{runId}' is not a run id (a UUID or up to 64 letters, digits, '.', '_', '-')", nameof(runId));
        }

        return new JobAlerts(settings, job, runId ?? Guid.NewGuid().ToString());
    }

    /// <summary>Whether a run id is a UUID or a plain token: it goes into a query string, so nothing that would need escaping.</summary>
    public static bool IsRunId(string value) => Guid.TryParse(value, out _) || RunIdToken().IsMatch(value);

    /// <summary>Whether this job pings or notifies at all.</summary>
    public bool Active => _settings.PingUrlFor(_job) is not null || _settings.NotifyUrl is not null;

    /// <summary>Sends <c>&lt;url&gt;/start</c>; returns warnings (empty when sent or not configured).</summary>
    public async Task<IReadOnlyList<string>> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_settings.PingUrlFor(_job) is not { } url || !PingsWhen(succeeded: true))
        {
            return [];
        }

        var problem = await AlertHttp.PostAsync(PingUrl(url, "start"), string.Empty, "text/plain", cancellationToken);
        return problem is null ? [] : [Warning("start ping", url, problem)];
    }

    /// <summary>
    /// Sends the success or fail ping (body: the job's last lines, masked) and the notification, at once; returns warnings.
    /// Sent even when the job was cancelled: an interrupted job is a failed one, and the monitor should hear it.
    /// </summary>
    public async Task<IReadOnlyList<string>> FinishAsync(bool succeeded, JobFacts facts, OutputTail output)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(output);

        // Taken here, with this job's secrets, so that every caller's body is masked before it is cut.
        var outputTail = output.Text(_settings.Secrets);
        var sends = new List<Task<string?>>();
        var pingUrl = _settings.PingUrlFor(_job);
        if (pingUrl is not null && PingsWhen(succeeded))
        {
            sends.Add(Labelled("ping", pingUrl, AlertHttp.PostAsync(PingUrl(pingUrl, succeeded ? null : "fail"), outputTail, "text/plain", CancellationToken.None)));
        }

        if (_settings.NotifyUrl is { } notifyUrl && (!succeeded || _settings.NotifyOn == NotifyOn.Always))
        {
            var body = Notification.For(_job, succeeded, facts, outputTail, _settings).ToJson();
            sends.Add(Labelled("notification", notifyUrl, AlertHttp.PostAsync(notifyUrl, body, "application/json", CancellationToken.None)));
        }

        var problems = await Task.WhenAll(sends);
        return problems.OfType<string>().ToList();
    }

    // An upload on its own (cron runs it every few hours) shows nothing about backups being made: were its start or success
    // pinged to BACKUP_PING_URL, the backup dead-man would stay quiet after backups stopped. It pings only its failure.
    private bool PingsWhen(bool succeeded) => _job != AlertJob.Upload || !succeeded;

    private async Task<string?> Labelled(string what, Uri url, Task<string?> send) =>
        await send is { } problem ? Warning(what == "ping" ? "end ping" : what, url, problem) : null;

    private string Warning(string what, Uri url, string problem) =>
        $"the {what} to {AlertSettings.Redact(url)} failed ({OutputTail.Mask(problem, _settings.Secrets)}); the job's outcome is unchanged";

    // <url>/start, <url>, <url>/fail, each with ?rid= (the healthchecks.io protocol), keeping a query the URL has.
    private Uri PingUrl(Uri url, string? suffix)
    {
        var builder = new UriBuilder(url);
        if (suffix is not null)
        {
            builder.Path = builder.Path.TrimEnd('/') + "/" + suffix;
        }

        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : string.Empty) + "rid=" + _runId;
        return builder.Uri;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdToken();
}
