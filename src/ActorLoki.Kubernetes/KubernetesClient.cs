using System.Net;
using System.Security.Authentication;
using ActorLoki.Kubernetes.Configuration;
using k8s.Authentication;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorLoki.Kubernetes;

/// <summary>
/// ActorLoki's Kubernetes client: the official client (<see cref="k8s.Kubernetes"/>) for the typed API and its
/// HTTP stack, plus what that client does not do — the log request with <c>sinceTime</c>, credentials that
/// follow a rotated token file or an expiring exec plugin (and are re-read once after a 401), a server-certificate
/// check of chain and name against the configured CA, and ActorLoki's own error kinds
/// (<see cref="KubernetesApiException"/> and its subclasses) instead of <see cref="HttpOperationException"/>.
/// Short requests have a timeout on the injected <see cref="TimeProvider"/>; watches and log follows have none.
/// One instance per process; thread-safe.
/// </summary>
public sealed partial class KubernetesClient : IDisposable
{
    private readonly k8s.KubernetesClientConfiguration _package;
    private readonly HttpClient _http;
    private readonly ServiceClientCredentials? _requestCredentials;
    private readonly Lazy<k8s.Kubernetes> _api;
    private readonly CredentialProvider _credentials;
    private readonly ServerCertificateValidator? _certificates;
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
        if (!configuration.InsecureSkipTlsVerify && configuration.CertificateAuthorities is { Count: > 0 } authorities)
        {
            _certificates = new ServerCertificateValidator(authorities, configuration.TlsServerName ?? _server.IdnHost);
        }

        _package = PackageConfiguration(configuration, Settings, _credentials, _certificates);
        // Not the package's Kubernetes class for every request: its constructor initialises the package's JSON
        // serializer (every Kubernetes type, +18 MiB resident); it is made on first use of Api or the Lease API.
        _http = CreateHttpClient(_package, _credentials, _logger);
        _requestCredentials = k8s.Kubernetes.CreateCredentials(_package);
        _api = new Lazy<k8s.Kubernetes>(() => new k8s.Kubernetes(_package, new CredentialRefreshHandler(_credentials, _logger)));
        KubernetesLog.ClientCreated(_logger, _server, configuration.Source, configuration.Credentials.Description);
    }

    public KubernetesClientConfiguration Configuration { get; }

    public KubernetesClientSettings Settings { get; }

    /// <summary>The namespace of the configuration (the pod's own in cluster, the context's otherwise).</summary>
    public string? DefaultNamespace => Configuration.Namespace;

    /// <summary>The official client, for the typed API this facade does not wrap. Errors it throws are not mapped.</summary>
    public k8s.IKubernetes Api => _api.Value;

    internal TimeProvider Time => _time;

    internal ILogger Logger => _logger;

    public void Dispose()
    {
        if (_api.IsValueCreated)
        {
            _api.Value.Dispose();
        }

        _http.Dispose();
        _credentials.Dispose();
    }

    /// <summary>
    /// The HTTP stack the package's <see cref="k8s.Kubernetes"/> builds, without that class: a
    /// <see cref="SocketsHttpHandler"/> set up by the configuration's <c>FirstMessageHandlerSetup</c>, the 401 retry
    /// outermost, no client timeout (short requests time out on the <see cref="TimeProvider"/>), the user agent.
    /// </summary>
    private static HttpClient CreateHttpClient(k8s.KubernetesClientConfiguration package, CredentialProvider credentials, ILogger logger)
    {
        var handler = new SocketsHttpHandler();
        package.FirstMessageHandlerSetup?.Invoke(handler);
        var http = new HttpClient(new CredentialRefreshHandler(credentials, logger) { InnerHandler = handler }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (!string.IsNullOrWhiteSpace(package.UserAgent))
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", package.UserAgent);
        }

        return http;
    }

    /// <summary>
    /// The package's configuration: server and namespace, credentials through ActorLoki's provider, and the
    /// HTTP handler tuned for hundreds of follows. The CA is not handed to the package, whose check accepts a
    /// certificate for another name when chain errors are also present; <see cref="ServerCertificateValidator"/>
    /// checks chain and name instead. tls-server-name goes into the TLS handshake (SNI and the name checked),
    /// not into the Host header, as client-go does.
    /// </summary>
    private static k8s.KubernetesClientConfiguration PackageConfiguration(
        KubernetesClientConfiguration configuration, KubernetesClientSettings settings, CredentialProvider credentials, ServerCertificateValidator? certificates) => new()
    {
        Host = configuration.Server.AbsoluteUri,
        Namespace = configuration.Namespace,
        SkipTlsVerify = configuration.InsecureSkipTlsVerify,
        TokenProvider = credentials.HasToken ? new BearerTokenProvider(credentials) : null,
        UserAgent = settings.UserAgent,
        // Short requests get ActorLoki's timeout on its TimeProvider; the package's would use the wall clock.
        HttpClientTimeout = Timeout.InfiniteTimeSpan,
        FirstMessageHandlerSetup = handler => ConfigureHandler(handler, configuration, settings, certificates),
    };

    private static void ConfigureHandler(HttpMessageHandler first, KubernetesClientConfiguration configuration, KubernetesClientSettings settings, ServerCertificateValidator? certificates)
    {
        var handler = (SocketsHttpHandler)first;
        // Go servers allow 250 concurrent streams per HTTP/2 connection; hundreds of follows need more connections.
        handler.EnableMultipleHttp2Connections = true;
        handler.KeepAlivePingDelay = settings.KeepAlivePingDelay;
        handler.KeepAlivePingTimeout = settings.KeepAlivePingTimeout;
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        handler.PooledConnectionLifetime = settings.PooledConnectionLifetime;
        handler.PooledConnectionIdleTimeout = settings.PooledConnectionIdleTimeout;
        handler.ConnectTimeout = settings.ConnectTimeout;
        handler.AutomaticDecompression = DecompressionMethods.None;
        // A watch or follow disposed before its end is an endless body: close the HTTP/1.1 connection at once
        // instead of draining it for the default 2 s (HTTP/2 resets just the stream).
        handler.ResponseDrainTimeout = TimeSpan.Zero;
        handler.UseCookies = false;
        handler.AllowAutoRedirect = false;

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
        else if (certificates is not null)
        {
            ssl.RemoteCertificateValidationCallback = certificates.Validate;
        }
    }

    /// <summary>
    /// A short request through the package, within <see cref="KubernetesClientSettings.RequestTimeout"/>; its
    /// errors are mapped to ActorLoki's kinds. <paramref name="description"/> names it in a timeout.
    /// </summary>
    internal async Task<T> RequestAsync<T>(string description, Func<CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Settings.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await send(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{description} did not complete within {Settings.RequestTimeout}.");
        }
        catch (Exception e) when (Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    internal Task RequestAsync(string description, Func<CancellationToken, Task> send, CancellationToken cancellationToken) =>
        RequestAsync<bool>(description, async ct =>
        {
            await send(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// ActorLoki's error for a failure of the package or of the transport, or null to let it pass unchanged:
    /// an <see cref="HttpOperationException"/> becomes the <see cref="KubernetesApiException"/> of its status code,
    /// a refused server certificate a <see cref="KubernetesCertificateException"/> that says why.
    /// </summary>
    internal Exception? Map(Exception e) => e switch
    {
        HttpOperationException { Response: { } response } operation => KubernetesErrors.FromResponse(
            _logger, _time,
            operation.Request?.Method?.Method ?? "?",
            operation.Request?.RequestUri?.AbsolutePath ?? "?",
            response.StatusCode,
            response.ReasonPhrase,
            response.Content,
            response.Headers.TryGetValue("Retry-After", out var values) ? values.FirstOrDefault() : null),
        HttpRequestException { InnerException: AuthenticationException } when _certificates?.LastFailure is { } failure =>
            new KubernetesCertificateException($"The certificate of the API server {_server} was refused: {failure}", e.InnerException),
        _ => null,
    };
}
