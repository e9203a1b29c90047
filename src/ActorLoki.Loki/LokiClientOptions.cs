namespace ActorLoki.Loki;

/// <summary>
/// Settings of a <see cref="LokiClient"/>; the shipper builds them from <c>actorloki.loki</c> in
/// <c>reference.conf</c>, and <see cref="Validate"/> names those keys in its errors.
/// </summary>
public sealed record LokiClientOptions
{
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Encoding", "Content-Length", "Host", "User-Agent", "Transfer-Encoding", "Connection",
    };

    /// <summary>The push endpoint, e.g. <c>http://loki:3100/loki/api/v1/push</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>Tenant sent as <c>X-Scope-OrgID</c>; null or empty sends none.</summary>
    public string? TenantId { get; init; }

    public PushFormat Format { get; init; } = PushFormat.Protobuf;

    /// <summary>Compress JSON bodies with gzip (protobuf bodies are always snappy-compressed).</summary>
    public bool JsonGzip { get; init; } = true;

    /// <summary>Timeout of one request, from sending to the end of the answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed to open a TCP and TLS connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra headers sent with every push.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public string? BasicAuthUsername { get; init; }

    /// <summary>File holding the basic-auth password (a mounted Secret); re-read when it changes.</summary>
    public string? BasicAuthPasswordFile { get; init; }

    /// <summary>File holding a bearer token; re-read when it changes.</summary>
    public string? BearerTokenFile { get; init; }

    /// <summary>PEM file of the CA certificates trusted for Loki's certificate; null uses the system store.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>PEM client certificate for mutual TLS (with <see cref="TlsKeyFile"/>).</summary>
    public string? TlsCertFile { get; init; }

    public string? TlsKeyFile { get; init; }

    /// <summary>Accept any server certificate. Never in production.</summary>
    public bool TlsInsecureSkipVerify { get; init; }

    /// <summary>Largest request, in raw line bytes; a larger batch is sent as several requests.</summary>
    public long MaxRequestBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>Longest line Loki accepts (its <c>max_line_size</c>) and what to do with longer ones.</summary>
    public LineLimits Lines { get; init; } = LineLimits.Default;

    /// <summary>Credential files are checked for changes (size, modification time) at most this often, and re-read at least this often.</summary>
    public TimeSpan SecretRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest part of Loki's answer kept in <see cref="PushResult.Detail"/> and logs.</summary>
    public int MaxDetailChars { get; init; } = 1024;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Url);
        if (!Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"actorloki.loki.url must be an absolute http or https URL, not '{Url}'.");
        }

        if (!string.IsNullOrEmpty(Url.UserInfo))
        {
            throw new ArgumentException("actorloki.loki.url must not carry credentials; use basic-auth-username and basic-auth-password-file.");
        }

        if (Timeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("actorloki.loki.timeout must be positive.");
        }

        if (MaxRequestBytes < 1)
        {
            throw new ArgumentException("actorloki.loki.max-request-bytes must be positive.");
        }

        ArgumentNullException.ThrowIfNull(Lines);
        Lines.Validate();
        if (!string.IsNullOrEmpty(BasicAuthUsername) && string.IsNullOrEmpty(BasicAuthPasswordFile))
        {
            throw new ArgumentException("actorloki.loki.basic-auth-password-file is required with basic-auth-username.");
        }

        if (!string.IsNullOrEmpty(BasicAuthUsername) && !string.IsNullOrEmpty(BearerTokenFile))
        {
            throw new ArgumentException("actorloki.loki.basic-auth-username and actorloki.loki.bearer-token-file cannot both be set.");
        }

        if (string.IsNullOrEmpty(TlsCertFile) != string.IsNullOrEmpty(TlsKeyFile))
        {
            throw new ArgumentException("actorloki.loki.tls-cert-file and actorloki.loki.tls-key-file go together.");
        }

        if (SecretRefreshInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("The secret refresh interval must be positive.");
        }

        foreach (var (name, _) in Headers)
        {
            if (ReservedHeaders.Contains(name))
            {
                throw new ArgumentException($"actorloki.loki.headers cannot set '{name}'; the client sets it.");
            }

            if (string.Equals(name, "X-Scope-OrgID", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(TenantId))
            {
                throw new ArgumentException("actorloki.loki.headers sets X-Scope-OrgID and actorloki.loki.tenant-id is set too; use tenant-id.");
            }

            if (string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase) && (!string.IsNullOrEmpty(BasicAuthUsername) || !string.IsNullOrEmpty(BearerTokenFile)))
            {
                throw new ArgumentException("actorloki.loki.headers sets Authorization and basic auth or a bearer token is configured too.");
            }
        }
    }
}
