namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Every setting of ActorLoki, bound from the <c>actorloki</c> section of the effective configuration
/// and validated once at start (<see cref="ActorLokiConfiguration.Load"/>). One record per section of
/// <c>reference.conf</c>; durations are <see cref="TimeSpan"/>, sizes are bytes.
/// </summary>
public sealed record ActorLokiSettings
{
    private static readonly Lazy<ActorLokiSettings> LazyDefault = new(static () =>
        ActorLokiConfiguration.Load(new ConfigurationSources()).GetSettingsOrThrow());

    /// <summary>The defaults of <c>reference.conf</c> alone (no file, environment or command line).</summary>
    public static ActorLokiSettings Default => LazyDefault.Value;

    /// <summary>actorloki.cluster-name: value of the <c>cluster</c> label; empty adds none.</summary>
    public required string ClusterName { get; init; }

    public required KubernetesSettings Kubernetes { get; init; }

    public required SelectionSettings Selection { get; init; }

    public required TailSettings Tail { get; init; }

    public required LabelSettings Labels { get; init; }

    public required LokiSettings Loki { get; init; }

    public required PositionsSettings Positions { get; init; }

    public required ShutdownSettings Shutdown { get; init; }

    public required MemorySettings Memory { get; init; }

    /// <summary>Scale-out over Akka.Cluster (off: one replica, no remoting).</summary>
    public required ClusterSettings Cluster { get; init; }

    public required HttpSettings Http { get; init; }

    public required LoggingSettings Logging { get; init; }

    public required ActorSettings Actors { get; init; }

    public required DemoSettings Demo { get; init; }

    public required CheckSettings Check { get; init; }

    /// <summary>
    /// The <c>akka</c> section of the same effective configuration (user file, environment, command line), resolved
    /// by ActorLoki's parser and rendered for Akka's (every key and string quoted, nothing left to substitute); empty
    /// when there is none. May hold secrets: hand it to Akka, never log it.
    /// </summary>
    public string AkkaConfig { get; init; } = "";
}

/// <summary>actorloki.kubernetes.mode</summary>
public enum KubernetesMode
{
    Auto,
    InCluster,
    Kubeconfig,
}

/// <summary>actorloki.kubernetes: how to reach and watch the API server.</summary>
public sealed record KubernetesSettings
{
    public required KubernetesMode Mode { get; init; }

    /// <summary>Empty means $KUBECONFIG, then ~/.kube/config.</summary>
    public required string Kubeconfig { get; init; }

    /// <summary>Empty means the current context.</summary>
    public required string Context { get; init; }

    /// <summary>Empty means the shipper's own namespace (in cluster) or the context's namespace.</summary>
    public required IReadOnlyList<string> Namespaces { get; init; }

    public required bool AllNamespaces { get; init; }

    public required TimeSpan ConnectTimeout { get; init; }

    public required TimeSpan RequestTimeout { get; init; }

    public required TimeSpan TokenRefreshInterval { get; init; }

    public required TimeSpan WatchTimeout { get; init; }

    public required TimeSpan WatchSilenceLimit { get; init; }

    public required TimeSpan ReconnectMinBackoff { get; init; }

    public required TimeSpan ReconnectMaxBackoff { get; init; }
}

/// <summary>actorloki.selection: which pods and containers are followed.</summary>
public sealed record SelectionSettings
{
    public required string PodLabelSelector { get; init; }

    public required string PodFieldSelector { get; init; }

    /// <summary>Glob patterns (* and ?); empty follows every pod.</summary>
    public required IReadOnlyList<string> IncludePods { get; init; }

    public required IReadOnlyList<string> ExcludePods { get; init; }

    public required IReadOnlyList<string> IncludeContainers { get; init; }

    public required IReadOnlyList<string> ExcludeContainers { get; init; }

    /// <summary>A pod with this annotation set to "true" is not followed; empty disables the check.</summary>
    public required string ExcludeAnnotation { get; init; }

    public required bool IncludeInitContainers { get; init; }

    public required bool ExcludeSelf { get; init; }
}

/// <summary>actorloki.tail: following one container's log.</summary>
public sealed record TailSettings
{
    public required long MaxLineBytes { get; init; }

    public required TimeSpan MaxLookback { get; init; }

    public required double SilenceFactor { get; init; }

    public required TimeSpan SilenceFloor { get; init; }

    public required TimeSpan MaxStreamAge { get; init; }

    public required TimeSpan ReconnectMinBackoff { get; init; }

    public required TimeSpan ReconnectMaxBackoff { get; init; }

    public required TimeSpan DeletedPodGrace { get; init; }
}

/// <summary>actorloki.labels: the label set of each stream.</summary>
public sealed record LabelSettings
{
    public required IReadOnlyDictionary<string, string> Static { get; init; }

    /// <summary>Loki label name → pod label key.</summary>
    public required IReadOnlyDictionary<string, string> FromPodLabels { get; init; }

    /// <summary>Loki label name → pod annotation key.</summary>
    public required IReadOnlyDictionary<string, string> FromPodAnnotations { get; init; }

    public required IReadOnlyList<string> AppFrom { get; init; }

    public required bool PodAsStructuredMetadata { get; init; }
}

/// <summary>actorloki.loki.format</summary>
public enum LokiFormat
{
    Protobuf,
    Json,
}

/// <summary>actorloki.loki.on-long-line</summary>
public enum LongLinePolicy
{
    Truncate,
    Drop,
}

/// <summary>actorloki.loki.buffer.when-full</summary>
public enum BufferFullPolicy
{
    Block,
    DropOldest,
}

/// <summary>actorloki.loki: where and how lines are pushed.</summary>
public sealed record LokiSettings
{
    /// <summary>The push endpoint; a URL given without a path gets <c>/loki/api/v1/push</c>.</summary>
    public required Uri Url { get; init; }

    public required string TenantId { get; init; }

    public required LokiFormat Format { get; init; }

    public required bool JsonGzip { get; init; }

    public required TimeSpan Timeout { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required string BasicAuthUsername { get; init; }

    public required string BasicAuthPasswordFile { get; init; }

    public required string BearerTokenFile { get; init; }

    public required string TlsCaFile { get; init; }

    public required string TlsCertFile { get; init; }

    public required string TlsKeyFile { get; init; }

    public required bool TlsInsecureSkipVerify { get; init; }

    public required long MaxRequestBytes { get; init; }

    public required long MaxLineBytes { get; init; }

    public required LongLinePolicy OnLongLine { get; init; }

    public required int MaxLabelNames { get; init; }

    public required int MaxLabelValueLength { get; init; }

    public required BatchSettings Batch { get; init; }

    public required RetrySettings Retry { get; init; }

    public required BufferSettings Buffer { get; init; }
}

/// <summary>actorloki.loki.batch: when a stream's batch is pushed.</summary>
public sealed record BatchSettings
{
    public required long MaxBytes { get; init; }

    public required TimeSpan MaxWait { get; init; }

    /// <summary>0 means no line limit.</summary>
    public required int MaxLines { get; init; }
}

/// <summary>actorloki.loki.retry: back-off between failed pushes.</summary>
public sealed record RetrySettings
{
    public required TimeSpan MinBackoff { get; init; }

    public required TimeSpan MaxBackoff { get; init; }

    public required double RandomFactor { get; init; }

    /// <summary>-1 retries for ever.</summary>
    public required int MaxRetries { get; init; }
}

/// <summary>actorloki.loki.buffer: memory for lines not yet acknowledged.</summary>
public sealed record BufferSettings
{
    public required long MaxBytes { get; init; }

    public required BufferFullPolicy WhenFull { get; init; }
}

/// <summary>actorloki.positions.store</summary>
public enum PositionsStoreKind
{
    Memory,
    File,
    ConfigMap,
}

/// <summary>actorloki.positions: where stream positions are kept.</summary>
public sealed record PositionsSettings
{
    public required PositionsStoreKind Store { get; init; }

    public required string File { get; init; }

    public required string ConfigMapName { get; init; }

    /// <summary>Empty means the shipper's own namespace.</summary>
    public required string ConfigMapNamespace { get; init; }

    public required TimeSpan SaveInterval { get; init; }

    public required TimeSpan Retention { get; init; }
}

/// <summary>actorloki.shutdown</summary>
public sealed record ShutdownSettings
{
    public required TimeSpan DrainDeadline { get; init; }
}

/// <summary>actorloki.memory</summary>
public sealed record MemorySettings
{
    /// <summary>Collect the GC's generation 1 when it holds this many bytes (the host's Gen1Limiter); 0 leaves it to the runtime.</summary>
    public required long Gen1Limit { get; init; }
}

/// <summary>actorloki.http: metrics, health and debug endpoints.</summary>
public sealed record HttpSettings
{
    public required string Host { get; init; }

    /// <summary>0 disables the endpoints.</summary>
    public required int Port { get; init; }

    public required TimeSpan ReadyPushWindow { get; init; }
}

/// <summary>actorloki.logging.format</summary>
public enum LogFormat
{
    Auto,
    Text,
    Json,
}

/// <summary>Minimum level of ActorLoki's own logs (Serilog's level names).</summary>
public enum ShipperLogLevel
{
    Verbose,
    Debug,
    Information,
    Warning,
    Error,
    Fatal,
}

/// <summary>actorloki.logging: ActorLoki's own logs.</summary>
public sealed record LoggingSettings
{
    public required LogFormat Format { get; init; }

    public required ShipperLogLevel Level { get; init; }

    /// <summary>Source (namespace prefix) → minimum level.</summary>
    public required IReadOnlyDictionary<string, ShipperLogLevel> Levels { get; init; }
}

/// <summary>actorloki.actors: the actor kernel.</summary>
public sealed record ActorSettings
{
    public required int Throughput { get; init; }

    public required int MailboxCapacity { get; init; }
}

/// <summary>actorloki.demo: the simulated namespace of <c>actorloki demo</c>.</summary>
public sealed record DemoSettings
{
    public required TimeSpan Duration { get; init; }

    public required TimeSpan SummaryInterval { get; init; }

    public required int Pods { get; init; }

    /// <summary>Lines per second each long-running pod writes.</summary>
    public required double LinesPerSecond { get; init; }

    public required TimeSpan CrashInterval { get; init; }

    public required TimeSpan JobInterval { get; init; }

    /// <summary>A real Loki's push URL; null pushes to the built-in receiver.</summary>
    public required Uri? LokiUrl { get; init; }

    public required bool Verbose { get; init; }

    /// <summary>Shipper nodes of one Akka cluster in the demo's process; more than one shows a graceful hand-over midway.</summary>
    public required int Replicas { get; init; }
}

/// <summary>actorloki.check: the preflight <c>actorloki check</c>.</summary>
public sealed record CheckSettings
{
    /// <summary>Probe Loki with an empty push (stores nothing) instead of pushing a test line.</summary>
    public required bool DryRun { get; init; }

    public required TimeSpan Timeout { get; init; }
}
