using System.Diagnostics.Metrics;
using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Cluster;
using Akka;
using Akka.Actor;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Loki;
using ActorLoki.Shipper.Discovery;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using LokiLongLinePolicy = ActorLoki.Loki.LongLinePolicy;

namespace ActorLoki.Shipper;

/// <summary>
/// A running shipper: the actor system, the Kubernetes and Loki clients and the positions store, built
/// from settings. The executable's <c>run</c> and <c>demo</c> commands, the end-to-end tests and the
/// benchmark all start ActorLoki through this one type.
/// </summary>
public sealed class ShipperRuntime : IAsyncDisposable
{
    /// <summary>The name of the coordinated-shutdown task that drains (phase before-service-unbind, the first).</summary>
    public const string DrainTaskName = "actorloki-drain";

    private readonly KubernetesClient _kubernetes;
    private readonly LokiClient _loki;
    private int _stopped;
    private int _aborted;
    private int _guardianGone;
    private TimeSpan _drainDeadline;
    private ShipperGuardian.ShutdownReport? _report;

    private ShipperRuntime(ActorSystem system, KubernetesClient kubernetes, LokiClient loki, ShipperMetrics metrics, ShipperComponents components, TimeProvider time)
    {
        System = system;
        _kubernetes = kubernetes;
        _loki = loki;
        Metrics = metrics;
        Components = components;
        Time = time;
        _drainDeadline = components.Settings.Shutdown.DrainDeadline;
    }

    public ActorSystem System { get; }

    public IActorRef Guardian { get; private set; } = ActorRefs.Nobody;

    public ShipperMetrics Metrics { get; }

    public ShipperComponents Components { get; }

    public LokiClient Loki => _loki;

    public KubernetesClient Kubernetes => _kubernetes;

    /// <summary>The clock the actors use.</summary>
    public TimeProvider Time { get; }

    /// <summary>Completes when the actor system has stopped, whether asked to or after an unrecoverable failure.</summary>
    public Task WhenTerminated => System.WhenTerminated;

    /// <summary>
    /// Starts a shipper in an actor system of its own, configured by <see cref="ShipperAkkaConfig"/> (the demo,
    /// the tests and the benchmark; the executable builds its system with Akka.Hosting and calls <see cref="Attach"/>).
    /// </summary>
    public static ShipperRuntime Start(ShipperRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = ShipperAkkaConfig.Build(options.Settings, options.AkkaLogger, options.Environment);
        var system = ActorSystem.Create(SystemName, BootstrapSetup.Create().WithConfig(config));
        return Attach(system, options);
    }

    /// <summary>The actor system's name.</summary>
    public const string SystemName = "actorloki";

    /// <summary>
    /// Builds the shipper in <paramref name="system"/> (configured with <see cref="ShipperAkkaConfig.Build"/>):
    /// the clients and the store, then the guardian and its tree, and the drain as a coordinated-shutdown task,
    /// so that however the system is shut down (<see cref="StopAsync"/>, the host, Akka.Hosting) it drains first.
    /// </summary>
    public static ShipperRuntime Attach(ActorSystem system, ShipperRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Settings;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var time = options.TimeProvider ?? TimeProvider.System;
        var environment = options.Environment ?? KubernetesEnvironment.System;
        var kubernetesConfiguration = options.KubernetesConfiguration ?? LoadKubernetesConfiguration(settings.Kubernetes, environment);
        var kubernetes = new KubernetesClient(
            kubernetesConfiguration,
            new KubernetesClientSettings
            {
                ConnectTimeout = settings.Kubernetes.ConnectTimeout,
                RequestTimeout = settings.Kubernetes.RequestTimeout,
                MaxLogLineBytes = (int)Math.Min(int.MaxValue, settings.Tail.MaxLineBytes),
            },
            loggerFactory,
            time);
        var loki = new LokiClient(LokiOptions(settings.Loki), loggerFactory.CreateLogger<LokiClient>(), time, options.MeterFactory);
        var metrics = new ShipperMetrics(options.MeterFactory);

        var ownNamespace = OwnNamespace(environment, kubernetesConfiguration);
        var namespaces = NamespacesToFollow(settings.Kubernetes, ownNamespace);
        var store = options.PositionsStore ?? settings.Positions.Store switch
        {
            PositionsStoreKind.File => new FilePositionsStore(settings.Positions.File),
            PositionsStoreKind.ConfigMap => new ConfigMapPositionsStore(
                kubernetes,
                settings.Positions.ConfigMapNamespace.Length > 0 ? settings.Positions.ConfigMapNamespace : ownNamespace,
                settings.Positions.ConfigMapName),
            _ => (IPositionsStore)new MemoryPositionsStore(),
        };
        var selfName = environment.GetVariable("POD_NAME") is { Length: > 0 } podName ? podName : environment.GetVariable("HOSTNAME");
        var self = options.SelfPod ?? (string.IsNullOrEmpty(selfName) ? null : new SelfPod(ownNamespace, selfName));

        ActorServices.Install(system, new ActorServicesSetup { LoggerFactory = loggerFactory, TimeProvider = time, MeterFactory = options.MeterFactory });
        DeadLetterCounter.Start(system);
        var components = new ShipperComponents(settings, kubernetes, loki, store, metrics, namespaces, self)
        {
            ClusterMetrics = settings.Cluster.Enabled ? InstallCluster(system, kubernetes, ownNamespace, settings.Cluster, options.MeterFactory) : null,
        };
        var runtime = new ShipperRuntime(system, kubernetes, loki, metrics, components, time);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, DrainTaskName, runtime.DrainAsync);
        runtime.Guardian = system.ActorOf(ShipperGuardian.Props(components), "guardian");
        system.ActorOf(Props.Create(() => new GuardianWatch(runtime.Guardian, runtime)), "guardian-watch");
        return runtime;
    }

    /// <summary>Cluster mode: what discovery needs (the client, the replicas' namespace and selector), and the cluster's instruments.</summary>
    private static ClusterMetrics InstallCluster(ActorSystem system, KubernetesClient kubernetes, string ownNamespace, ClusterSettings cluster, IMeterFactory? meterFactory)
    {
        ClusterServices.Install(system, kubernetes, ownNamespace, cluster.Bootstrap.PodLabelSelector);
        return new ClusterMetrics(meterFactory);
    }

    /// <summary>Whether clustering is on and this node is an Up member (readiness); true when clustering is off.</summary>
    public bool IsClusterMemberUp => !Components.Settings.Cluster.Enabled || ClusterUp();

    /// <summary>Membership, this node's shards and entities (<c>/debug/cluster</c>); null when clustering is off.</summary>
    public async Task<ClusterStatus?> GetClusterStatusAsync()
    {
        if (!Components.Settings.Cluster.Enabled)
        {
            return null;
        }

        return await ClusterStatusAsync().ConfigureAwait(false);
    }

    private bool ClusterUp() => ClusterNode.IsUp(System);

    private Task<ClusterStatus> ClusterStatusAsync() => ClusterNode.GetStatusAsync(System, TimeSpan.FromSeconds(5));

    /// <summary>How to reach the API server, as the <c>actorloki.kubernetes</c> settings and the environment say.</summary>
    public static KubernetesClientConfiguration LoadKubernetesConfiguration(KubernetesSettings kubernetes, KubernetesEnvironment environment) =>
        KubernetesClientConfiguration.Load(
            kubernetes.Mode switch
            {
                KubernetesMode.InCluster => KubernetesConnectionMode.InCluster,
                KubernetesMode.Kubeconfig => KubernetesConnectionMode.Kubeconfig,
                _ => KubernetesConnectionMode.Auto,
            },
            NullIfEmpty(kubernetes.Kubeconfig),
            NullIfEmpty(kubernetes.Context),
            kubernetes.TokenRefreshInterval,
            environment);

    /// <summary>The shipper's own namespace: POD_NAMESPACE (the downward API), else the configuration's, else <c>default</c>.</summary>
    public static string OwnNamespace(KubernetesEnvironment environment, KubernetesClientConfiguration configuration) =>
        environment.GetVariable("POD_NAMESPACE") is { Length: > 0 } podNamespace ? podNamespace : configuration.Namespace ?? "default";

    /// <summary>The namespaces to follow: all (a single null), the configured ones, or the shipper's own.</summary>
    public static IReadOnlyList<string?> NamespacesToFollow(KubernetesSettings kubernetes, string ownNamespace) =>
        kubernetes.AllNamespaces ? [null]
            : kubernetes.Namespaces.Count > 0 ? [.. kubernetes.Namespaces]
            : [ownNamespace];

    /// <summary>The Loki client's options from the <c>actorloki.loki</c> settings.</summary>
    public static LokiClientOptions LokiOptions(LokiSettings loki) => new()
    {
        Url = loki.Url,
        TenantId = NullIfEmpty(loki.TenantId),
        Format = loki.Format == LokiFormat.Json ? PushFormat.Json : PushFormat.Protobuf,
        JsonGzip = loki.JsonGzip,
        Timeout = loki.Timeout,
        Headers = loki.Headers,
        BasicAuthUsername = NullIfEmpty(loki.BasicAuthUsername),
        BasicAuthPasswordFile = NullIfEmpty(loki.BasicAuthPasswordFile),
        BearerTokenFile = NullIfEmpty(loki.BearerTokenFile),
        TlsCaFile = NullIfEmpty(loki.TlsCaFile),
        TlsCertFile = NullIfEmpty(loki.TlsCertFile),
        TlsKeyFile = NullIfEmpty(loki.TlsKeyFile),
        TlsInsecureSkipVerify = loki.TlsInsecureSkipVerify,
        MaxRequestBytes = loki.MaxRequestBytes,
        Lines = new LineLimits(
            (int)Math.Min(int.MaxValue, loki.MaxLineBytes),
            loki.OnLongLine == Settings.LongLinePolicy.Drop ? LokiLongLinePolicy.Drop : LokiLongLinePolicy.Truncate),
    };

    public Task<ShipperGuardian.ShipperStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        Guardian.Ask<ShipperGuardian.ShipperStatus>(ShipperGuardian.GetStatus.Instance, TimeSpan.FromSeconds(10), cancellationToken);

    public Task<ShipperGuardian.Streams> GetStreamsAsync(CancellationToken cancellationToken = default) =>
        Guardian.Ask<ShipperGuardian.Streams>(ShipperGuardian.GetStreams.Instance, TimeSpan.FromSeconds(10), cancellationToken);

    /// <summary>The actor tree with each actor's kind, behaviour, mailbox depth and restarts (<c>/debug/actors</c>).</summary>
    public ActorSnapshot GetActorTree() => ActorServices.Get(System).Inspection.Snapshot();

    /// <summary>
    /// The SIGTERM path: runs Akka's coordinated shutdown, whose first phase drains (stop reading, push what is
    /// buffered, save positions, within the drain deadline) before any actor stops. Safe to call more than once;
    /// later calls report nothing.
    /// </summary>
    public async Task<ShipperGuardian.ShutdownReport?> StopAsync(TimeSpan? deadline = null)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return null;
        }

        _drainDeadline = deadline ?? Components.Settings.Shutdown.DrainDeadline;
        await CoordinatedShutdown.Get(System).Run(StopReason.Instance).ConfigureAwait(false);
        await System.WhenTerminated.ConfigureAwait(false);
        return Volatile.Read(ref _report);
    }

    /// <summary>
    /// Stops at once, as a killed process would: nothing is drained and positions are not saved beyond
    /// what the last periodic save wrote. Used by tests of the crash path.
    /// </summary>
    public async Task AbortAsync()
    {
        Interlocked.Exchange(ref _stopped, 1);
        Interlocked.Exchange(ref _aborted, 1);
        await System.Terminate().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _kubernetes.Dispose();
        _loki.Dispose();
        Metrics.Dispose();
        Components.ClusterMetrics?.Dispose();
    }

    /// <summary>The coordinated-shutdown task: asks the guardian to drain, unless there is nothing left to ask.</summary>
    private async Task<Done> DrainAsync()
    {
        if (Volatile.Read(ref _aborted) != 0 || Volatile.Read(ref _guardianGone) != 0)
        {
            return Done.Instance;
        }

        var drain = _drainDeadline;
        try
        {
            var report = await Guardian.Ask<ShipperGuardian.ShutdownReport>(new ShipperGuardian.Shutdown(drain), drain + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            Volatile.Write(ref _report, report);
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            // The guardian did not answer in time (or is already gone): positions saved last remain valid.
        }

        return Done.Instance;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>Why <see cref="StopAsync"/> ran coordinated shutdown.</summary>
    private sealed class StopReason : CoordinatedShutdown.Reason
    {
        public static readonly StopReason Instance = new();

        public override int ExitCode => 0;
    }

    /// <summary>Why a cluster node ran coordinated shutdown on its own: the guardian stopped (an unrecoverable failure).</summary>
    private sealed class GuardianStopped : CoordinatedShutdown.Reason
    {
        public static readonly GuardianStopped Instance = new();

        public override int ExitCode => 1;
    }

    /// <summary>Ends the actor system when the guardian stops without being asked to (an unrecoverable failure).</summary>
    private sealed class GuardianWatch : ReceiveActor
    {
        public GuardianWatch(IActorRef guardian, ShipperRuntime runtime)
        {
            Context.Watch(guardian);
            Receive<Terminated>(terminated =>
            {
                Interlocked.Exchange(ref runtime._guardianGone, 1);
                if (Volatile.Read(ref runtime._stopped) == 0)
                {
                    // Not awaited: terminating stops this actor too. A cluster node leaves through coordinated
                    // shutdown (its streams handed over), since terminating the system there is a crash.
                    _ = runtime.Components.Settings.Cluster.Enabled
                        ? CoordinatedShutdown.Get(Context.System).Run(GuardianStopped.Instance)
                        : Context.System.Terminate();
                }
            });
        }
    }
}

/// <summary>What a <see cref="ShipperRuntime"/> is started with; everything but the settings is optional.</summary>
public sealed record ShipperRuntimeOptions
{
    public required ActorLokiSettings Settings { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider? TimeProvider { get; init; }

    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Where the API server is, instead of what the settings and environment say (the demo, tests).</summary>
    public KubernetesClientConfiguration? KubernetesConfiguration { get; init; }

    /// <summary>A positions store instead of the one the settings name (tests keep one across restarts).</summary>
    public IPositionsStore? PositionsStore { get; init; }

    public SelfPod? SelfPod { get; init; }

    /// <summary>The Akka logger (<c>akka.loggers</c>) of a system <see cref="ShipperRuntime.Start"/> creates; null keeps Akka's default.</summary>
    public string? AkkaLogger { get; init; }

    /// <summary>The process environment (POD_NAME, POD_NAMESPACE, KUBERNETES_SERVICE_HOST ...), injectable for tests.</summary>
    public KubernetesEnvironment? Environment { get; init; }
}
