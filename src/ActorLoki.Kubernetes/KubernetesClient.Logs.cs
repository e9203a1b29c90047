using ActorLoki.Kubernetes.Logs;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    /// <summary>
    /// Opens a container's log and returns a reader of its lines in chunks. Errors that come before the body
    /// (404 pod gone, 400 container waiting or no previous instance, 403) are thrown here; a stream that breaks
    /// later throws from <see cref="LogStreamReader.ReadChunkAsync"/>. The request has no timeout: cancel
    /// <paramref name="cancellationToken"/> or dispose the reader to end it.
    /// </summary>
    public async Task<LogStreamReader> OpenLogStreamAsync(string @namespace, string pod, LogOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(pod);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SinceTime is not null && options.SinceSeconds is not null)
        {
            throw new ArgumentException("Only one of SinceTime and SinceSeconds may be set.", nameof(options));
        }

        var query = new Query($"api/v1/namespaces/{Escape(@namespace)}/pods/{Escape(pod)}/log");
        query.Add("container", string.IsNullOrEmpty(options.Container) ? null : options.Container);
        query.Add("follow", options.Follow);
        query.Add("timestamps", options.Timestamps);
        query.Add("sinceTime", options.SinceTime is { } since ? KubeletTimestamp.FormatSinceTime(since) : null);
        query.Add("sinceSeconds", options.SinceSeconds);
        query.Add("tailLines", options.TailLines);
        query.Add("limitBytes", options.LimitBytes);
        query.Add("previous", options.Previous);
        var path = query.ToString();

        var response = await SendAsync(() => NewRequest(HttpMethod.Get, path, null), cancellationToken);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new LogStreamReader(
                body,
                new LogReaderOptions { MaxLineBytes = Settings.MaxLogLineBytes, ReadBytes = Settings.LogReadBytes, Timestamps = options.Timestamps },
                response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
