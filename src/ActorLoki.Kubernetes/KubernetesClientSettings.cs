namespace ActorLoki.Kubernetes;

/// <summary>Transport settings of a <see cref="KubernetesClient"/>; the defaults suit a shipper following hundreds of containers.</summary>
public sealed record KubernetesClientSettings
{
    /// <summary>Time allowed to open a TCP/TLS connection to the API server.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of short requests (get, list, create, update, patch); log follows and watches have none.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>HTTP/2 PING interval on an idle connection, so a dead connection is noticed even while streams are silent.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection whose PING is not answered within this time is closed (its streams fail and are reopened).</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// New requests stop using a connection older than this (so they spread over API server replicas after a
    /// rolling update); streams already open on it are not interrupted.
    /// </summary>
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>An idle pooled connection is closed after this long.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Log lines whose content is longer than this are cut into pieces (each cut is counted).</summary>
    public int MaxLogLineBytes { get; init; } = 256 * 1024;

    /// <summary>Bytes asked of a log stream per read.</summary>
    public int LogReadBytes { get; init; } = 64 * 1024;

    /// <summary>Sent as User-Agent, so API server audit logs name the shipper.</summary>
    public string UserAgent { get; init; } = "actorloki/" + (typeof(KubernetesClientSettings).Assembly.GetName().Version?.ToString(3) ?? "0");
}
