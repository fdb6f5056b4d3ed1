using Docker.DotNet;
using Docker.DotNet.Models;

namespace PortfolioBackup.Engines;

/// <summary>Makes sure the production image is on the daemon before a container of it is created: present, or pulled, or a clear error.</summary>
internal static class ContainerImages
{
    /// <summary>Pulls <see cref="ContainerServerOptions.Image"/> when the daemon lacks it; throws <see cref="ContainerEngineException"/> naming why it could not.</summary>
    public static async Task EnsureAsync(DockerClient docker, ContainerServerOptions options, CancellationToken cancellationToken)
    {
        if (await ImageExistsAsync(docker, options.Image, cancellationToken))
        {
            return;
        }

        var (repository, tag) = SplitReference(options.Image);
        var errors = new ErrorCollector();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.StartTimeout);
        try
        {
            await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, null, errors, deadline.Token);
        }
        catch (DockerApiException ex)
        {
            errors.Report(DaemonMessage(ex));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            errors.Report($"the pull did not finish within {options.StartTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            errors.Report(ex.Message);
        }

        if (!await ImageExistsAsync(docker, options.Image, cancellationToken))
        {
            throw new ContainerEngineException(
                $"image {options.Image} is not present locally and could not be pulled: {errors.Summary}; build or load it, or pass --image");
        }
    }

    // The daemon answers errors as {"message": "..."}; the message alone reads better.
    public static string DaemonMessage(DockerApiException exception)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(exception.ResponseBody ?? string.Empty);
            if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return exception.ResponseBody is { Length: > 0 } body ? body.Trim() : exception.Message;
    }

    private static async Task<bool> ImageExistsAsync(DockerClient docker, string image, CancellationToken cancellationToken)
    {
        try
        {
            await docker.Images.InspectImageAsync(image, cancellationToken);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    private static (string Repository, string? Tag) SplitReference(string image)
    {
        // A digest pins the image completely; without a tag the daemon would pull every tag of the repository.
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return (image, null);
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private sealed class ErrorCollector : IProgress<JSONMessage>
    {
        private readonly List<string> _errors = [];

        public string Summary
        {
            get
            {
                lock (_errors)
                {
                    return _errors.Count == 0 ? "the daemon reported no reason" : string.Join("; ", _errors.Distinct(StringComparer.Ordinal));
                }
            }
        }

        public void Report(JSONMessage value)
        {
            if (value.Error?.Message is { Length: > 0 } message)
            {
                Report(message);
            }
        }

        public void Report(string message)
        {
            lock (_errors)
            {
                _errors.Add(message);
            }
        }
    }
}
