using System.Net;
using System.Net.Http.Headers;

namespace PortfolioBackup.Alerts;

/// <summary>
/// The one way an alert leaves the machine: a POST bounded in time (at most two attempts within <see cref="Budget"/>, the
/// second only when the first cannot have been delivered or the endpoint answered 5xx/429), whose
/// failure is a reason to print, never an exception: a ping or a webhook must not change a job's outcome.
/// </summary>
internal static class AlertHttp
{
    /// <summary>All the time one alert may take, retry included.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(6);

    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2.5);

    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        ConnectTimeout = AttemptTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),

        // A redirect would re-send the body (a job's last lines) to wherever the answer points, another host included.
        AllowAutoRedirect = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>POSTs the body; returns null when the endpoint answered 2xx, else why not (for a warning).</summary>
    public static async Task<string?> PostAsync(Uri url, string body, string mediaType, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Budget);
        string? problem = null;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
            timeout.CancelAfter(AttemptTimeout);
            try
            {
                using var content = new StringContent(body, System.Text.Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };

                // Only the status line matters: the body is never read, so an endless or huge answer costs nothing.
                using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return null;
                }

                problem = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                if ((int)response.StatusCode is >= 300 and < 400)
                {
                    return $"{problem}: redirects are not followed; set the URL the endpoint redirects to";
                }

                // The endpoint said no (a wrong URL, a removed check): asking again gets the same answer.
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    return problem;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not retried: a request sent and not yet answered may well have been taken, and a second one would
                // reach the team twice (a slow webhook). A lost alert is a warning; a doubled one is noise every time.
                return budget.IsCancellationRequested ? $"no answer within {Budget.TotalSeconds:0} s" : $"no answer within {AttemptTimeout.TotalSeconds:0.#} s";
            }
            catch (HttpRequestException ex)
            {
                problem = ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}";

                // Retried only when no request can have arrived (no connection, no name); a connection that broke
                // after the request went out is treated like a timeout.
                if (ex.HttpRequestError is not (HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError))
                {
                    return problem;
                }
            }

            if (budget.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), budget.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        return problem;
    }
}
