using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorLoki.Kubernetes;

/// <summary>
/// A client for the part of the Kubernetes API a log shipper uses: pods (list, watch, get), container
/// logs, ConfigMaps and Leases. One instance per process: it owns one <see cref="SocketsHttpHandler"/>
/// that prefers HTTP/2, opens more connections when one reaches the server's stream limit, and pings idle
/// connections. Short requests have a timeout; watches and log follows have none (they end when the
/// caller cancels or the server closes them). Thread-safe.
/// </summary>
public sealed partial class KubernetesClient : IDisposable
{
    private const int MaxErrorBodyChars = 2048;

    private readonly HttpClient _http;
    private readonly CredentialProvider _credentials;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _server;

    public KubernetesClient(
        KubernetesClientConfiguration configuration,
        KubernetesClientSettings? settings = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
        Settings = settings ?? new KubernetesClientSettings();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KubernetesClient>();
        _server = configuration.Server.AbsoluteUri.EndsWith('/') ? configuration.Server : new Uri(configuration.Server.AbsoluteUri + "/");
        _credentials = configuration.Credentials.CreateProvider(_time, _logger);
        _http = new HttpClient(CreateHandler(configuration, Settings), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(Settings.UserAgent);
        KubernetesLog.ClientCreated(_logger, _server, configuration.Source, configuration.Credentials.Description);
    }

    public KubernetesClientConfiguration Configuration { get; }

    public KubernetesClientSettings Settings { get; }

    /// <summary>The namespace of the configuration (the pod's own in cluster, the context's otherwise).</summary>
    public string? DefaultNamespace => Configuration.Namespace;

    internal TimeProvider Time => _time;

    internal ILogger Logger => _logger;

    public void Dispose()
    {
        _http.Dispose();
        _credentials.Dispose();
    }

    private static SocketsHttpHandler CreateHandler(KubernetesClientConfiguration configuration, KubernetesClientSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            // Go servers allow 250 concurrent streams per HTTP/2 connection; hundreds of follows need more connections.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = settings.KeepAlivePingDelay,
            KeepAlivePingTimeout = settings.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionLifetime = settings.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = settings.PooledConnectionIdleTimeout,
            ConnectTimeout = settings.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            // A watch or follow disposed before its end is an endless body: close the HTTP/1.1 connection at once
            // instead of draining it for the default 2 s (HTTP/2 resets just the stream).
            ResponseDrainTimeout = TimeSpan.Zero,
            UseCookies = false,
            AllowAutoRedirect = false,
        };

        var ssl = handler.SslOptions;
        if (configuration.TlsServerName is { } serverName)
        {
            ssl.TargetHost = serverName;
        }

        if (configuration.ClientCertificate is { } clientCertificate)
        {
            ssl.ClientCertificates = [clientCertificate];
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        if (configuration.InsecureSkipTlsVerify)
        {
#pragma warning disable CA5359 // The user asked for insecure-skip-tls-verify in the kubeconfig.
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (configuration.CertificateAuthorities is { Count: > 0 } authorities)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateWithCustomRoots(certificate, errors, authorities);
        }

        return handler;
    }

    /// <summary>As client-go does with a CA bundle: trust exactly those roots, and still require the host name to match.</summary>
    private static bool ValidateWithCustomRoots(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>
    /// Sends a request built by <paramref name="build"/>, with credentials. A 401 makes the credentials fetch
    /// a fresh token (re-read the file, re-run the plugin) and the request is sent once more. Any other
    /// non-success answer is thrown as a <see cref="KubernetesApiException"/>. The response is returned
    /// after its headers, so a body can be streamed.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var request = build();
            HttpResponseMessage response;
            string? token;
            try
            {
                token = await _credentials.GetTokenAsync(cancellationToken);
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                request.Headers.Accept.ParseAdd("application/json");
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch
            {
                request.Dispose();
                throw;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (request)
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0 && _credentials.Invalidate(token))
                {
                    KubernetesLog.CredentialsRejected(_logger, request.Method.Method, request.RequestUri!.AbsolutePath);
                    continue;
                }

                throw await CreateExceptionAsync(request, response, cancellationToken);
            }
        }
    }

    /// <summary>A short request: sends it and reads its JSON answer within <see cref="KubernetesClientSettings.RequestTimeout"/>.</summary>
    internal async Task<T> RequestAsync<T>(HttpMethod method, string path, HttpContentFactory? content, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Settings.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await SendAsync(() => NewRequest(method, path, content), linked.Token);
            await using var body = await response.Content.ReadAsStreamAsync(linked.Token);
            return await JsonSerializer.DeserializeAsync(body, answer, linked.Token)
                ?? throw new KubernetesApiException(response.StatusCode, $"{method} {path} answered with an empty body.", null, $"{method} {path}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {path} did not complete within {Settings.RequestTimeout}.");
        }
    }

    /// <summary>A short request whose answer body is not needed (DELETE).</summary>
    internal async Task RequestAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Settings.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await SendAsync(() => NewRequest(method, path, null), linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {path} did not complete within {Settings.RequestTimeout}.");
        }
    }

    /// <summary>A request preferring HTTP/2 (a request built by hand does not take the client's default version).</summary>
    internal HttpRequestMessage NewRequest(HttpMethod method, string pathAndQuery, HttpContentFactory? content) =>
        new(method, new Uri(_server, pathAndQuery))
        {
            Content = content?.Create(),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };

    private async Task<KubernetesApiException> CreateExceptionAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var description = $"{request.Method} {request.RequestUri!.AbsolutePath}";
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            text = string.Empty;
        }

        Status? status = null;
        if (text.StartsWith('{'))
        {
            try
            {
                status = JsonSerializer.Deserialize(text, KubernetesJsonContext.Default.Status);
            }
            catch (JsonException)
            {
                // Not a Status (a proxy's error page, ...): the raw text is the message.
            }
        }

        var code = (int)response.StatusCode;
        var message = status?.Message is { Length: > 0 } m
            ? m
            : $"{description} answered {code} {response.ReasonPhrase}{(text.Length > 0 ? ": " + Shorten(text) : string.Empty)}";
        var retryAfter = RetryAfter(response, status);
        KubernetesLog.RequestFailed(_logger, request.Method.Method, request.RequestUri.AbsolutePath, code, status?.Reason, message);
        return KubernetesApiException.Create(response.StatusCode, message, status, description, retryAfter);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response, Status? status)
    {
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta;
            }

            if (header.Date is { } date)
            {
                var wait = date - _time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return status?.Details?.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
    }

    private static string Shorten(string text) => text.Length <= MaxErrorBodyChars ? text : text[..MaxErrorBodyChars] + "...";

    internal static string Escape(string segment) => Uri.EscapeDataString(segment);

    /// <summary>Builds a request body afresh for each attempt (a request is not re-sent after a 401 with a consumed body).</summary>
    internal sealed class HttpContentFactory(byte[] body, string mediaType)
    {
        public HttpContent Create()
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return content;
        }

        public static HttpContentFactory Json<T>(T value, JsonTypeInfo<T> typeInfo) =>
            new(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), "application/json");

        public static HttpContentFactory MergePatch(byte[] patch) => new(patch, "application/merge-patch+json");
    }

    /// <summary>Appends query parameters, escaping values.</summary>
    internal struct Query(string path)
    {
        private StringBuilder? _builder;

        public void Add(string name, string? value)
        {
            if (value is null)
            {
                return;
            }

            _builder ??= new StringBuilder(path);
            _builder.Append(_builder.Length == path.Length ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        public void Add(string name, bool value)
        {
            if (value)
            {
                Add(name, "true");
            }
        }

        public void Add(string name, long? value)
        {
            if (value is { } v)
            {
                Add(name, v.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        public override readonly string ToString() => _builder?.ToString() ?? path;
    }
}
