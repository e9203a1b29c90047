namespace ActorLoki.Simulator.Kubernetes;

/// <summary>Settings of a <see cref="KubernetesSimulator"/>; defaults are the real API server's and kubelet's.</summary>
public sealed record KubernetesSimulatorOptions
{
    /// <summary>Clock of timestamps, ages, bookmarks and timeouts. Tests may pass a manual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The namespace pods go to by default, and the one in the generated kubeconfig.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Serve HTTPS (with HTTP/2 through ALPN) with a throw-away CA, and accept client certificates it issued.</summary>
    public bool Tls { get; init; }

    /// <summary>The names (DNS or IP) of the server certificate in TLS mode; another name tests that clients refuse it.</summary>
    public IReadOnlyList<string> ServerCertificateNames { get; init; } = SimulatorCertificates.DefaultServerNames;

    /// <summary>Require a bearer token (or a client certificate); /version and health endpoints stay open, as on a real server.</summary>
    public bool RequireAuthentication { get; init; } = true;

    /// <summary>The user the first token authenticates as; appears in 403 messages.</summary>
    public string User { get; init; } = "system:serviceaccount:default:actorloki";

    /// <summary>How long changes are kept for watches (etcd compacts about every 5 minutes); older resourceVersions get 410.</summary>
    public TimeSpan HistoryWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Interval of watch bookmarks (the API server sends about one a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a watch without timeoutSeconds stays open (the API server picks 30 to 60 minutes).</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A container's log file is rotated when it reaches this size (the kubelet's containerLogMaxSize).</summary>
    public long LogRotationBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>
    /// Emulates the kubelet before Kubernetes 1.29 (kubernetes/kubernetes#115701): a follow stream stops
    /// delivering, silently and without ending, once the file it follows has been rotated.
    /// </summary>
    public bool RotationStallsFollowers { get; init; }

    /// <summary>Keep each line's bytes in the ledger (turn off for long benchmarks; metadata is always kept).</summary>
    public bool LedgerKeepsLineBytes { get; init; } = true;

    /// <summary>Server version reported by /version.</summary>
    public string Version { get; init; } = "v1.30.2";
}
