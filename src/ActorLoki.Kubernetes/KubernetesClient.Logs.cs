using System.Globalization;
using System.Net;
using System.Text;
using ActorLoki.Kubernetes.Logs;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    /// <summary>
    /// Opens a container's log and returns a reader of its lines in chunks. The package's <c>ReadNamespacedPodLog</c>
    /// has no <c>sinceTime</c> (it is missing from the OpenAPI spec), which resuming needs; so the GET is built here
    /// and sent through the package's own <see cref="HttpClient"/> with its credentials applied, and the body is read
    /// as bytes. Errors that come before the body (404 pod gone, 400 container waiting or no previous instance, 403)
    /// are thrown here; a stream that breaks later throws from <see cref="LogStreamReader.ReadChunkAsync"/>. The
    /// request has no timeout: cancel <paramref name="cancellationToken"/> or dispose the reader to end it.
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

        var path = new StringBuilder("api/v1/namespaces/").Append(Uri.EscapeDataString(@namespace)).Append("/pods/").Append(Uri.EscapeDataString(pod)).Append("/log");
        var separator = '?';
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                path.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        Add("container", string.IsNullOrEmpty(options.Container) ? null : options.Container);
        Add("follow", options.Follow ? "true" : null);
        Add("timestamps", options.Timestamps ? "true" : null);
        Add("sinceTime", options.SinceTime is { } since ? KubeletTimestamp.FormatSinceTime(since) : null);
        Add("sinceSeconds", options.SinceSeconds?.ToString(CultureInfo.InvariantCulture));
        Add("tailLines", options.TailLines?.ToString(CultureInfo.InvariantCulture));
        Add("limitBytes", options.LimitBytes?.ToString(CultureInfo.InvariantCulture));
        Add("previous", options.Previous ? "true" : null);

        var response = await SendAsync(HttpMethod.Get, path.ToString(), null, cancellationToken).ConfigureAwait(false);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// A request through the package's client and credentials (a 401 is retried once with fresh credentials by
    /// <see cref="CredentialRefreshHandler"/>), returned after its headers so that the body can be streamed.
    /// <paramref name="content"/> must be buffered (a resend after a 401 sends it again).
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_server, pathAndQuery))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = content,
        };
        request.Headers.Accept.ParseAdd("application/json, */*");
        HttpResponseMessage response;
        try
        {
            if (_requestCredentials is { } credentials)
            {
                await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
            }

            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e) is { } mapped)
        {
            throw mapped;
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
                text = string.Empty;
            }

            throw KubernetesErrors.FromResponse(
                _logger, _time, method.Method, request.RequestUri!.AbsolutePath, response.StatusCode, response.ReasonPhrase, text,
                response.Headers.TryGetValues("Retry-After", out var values) ? values.FirstOrDefault() : null);
        }
    }
}
