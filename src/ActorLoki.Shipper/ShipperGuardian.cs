using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Cluster;
using Akka.Actor;
using ActorLoki.Kubernetes;
using ActorLoki.Loki;
using ActorLoki.Shipper.Discovery;
using ActorLoki.Shipper.Pipeline;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using ActorLoki.Shipper.Tailing;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper;

/// <summary>
/// The root of the shipper: builds the tree (positions, batcher, push supervisor, one namespace supervisor
/// per namespace) and owns shutdown. On <see cref="Shutdown"/> it stops every tail (no more reading),
/// has the batcher push everything it holds, and has the positions saved, all within the drain deadline.
/// </summary>
/// <remarks>
/// Supervision: a namespace supervisor that fails is restarted; its tails start again from the
/// acknowledged positions (lines still in the batcher may be sent twice, with the same timestamps, which
/// Loki drops). The batcher and the positions keeper hold state no restart could rebuild without losing
/// lines, so their failure escalates and stops the process: Kubernetes restarts it from saved positions.
/// </remarks>
public sealed partial class ShipperGuardian : ShipperActor
{
    private readonly ShipperComponents _components;
    private readonly List<IActorRef> _namespaces = [];
    private IActorRef _positions = ActorRefs.Nobody;
    private IActorRef _batcher = ActorRefs.Nobody;

    public ShipperGuardian(ShipperComponents components)
    {
        _components = components;
        ReceiveAsync<Shutdown>(OnShutdownAsync);
        ReceiveAsync<GetStatus>(OnGetStatusAsync);
        ReceiveAsync<GetStreams>(OnGetStreamsAsync);
        Receive<GetPositionsKeeper>(_ => Sender.Tell(_positions));
        Receive<GetChild>(get => Sender.Tell(Context.Child(get.Name)));
    }

    public static Props Props(ShipperComponents components) => Akka.Actor.Props.Create(() => new ShipperGuardian(components));

    /// <summary>Stop reading, push what is buffered and save positions; answered with <see cref="ShutdownReport"/>.</summary>
    public sealed record Shutdown(TimeSpan Deadline);

    /// <summary>How the drain went: everything pushed, positions saved, and what was left when the deadline passed.</summary>
    public sealed record ShutdownReport(bool Drained, bool PositionsSaved, long BufferedBytesLeft, TimeSpan Took);

    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>The shipper's state: the namespaces watched and the batcher's load.</summary>
    public sealed record ShipperStatus(IReadOnlyList<NamespaceSupervisor.NamespaceStatus> Namespaces, Batcher.BatcherStatus? Batcher)
    {
        public bool AllSynced => Namespaces.Count > 0 && Namespaces.All(n => n.Synced);
    }

    public sealed record GetStreams
    {
        public static readonly GetStreams Instance = new();
    }

    public sealed record Streams(IReadOnlyList<ContainerTail.TailStatus> Tails);

    /// <summary>Answers with the child of that name (e.g. <c>ns-dev1</c>), or Nobody.</summary>
    public sealed record GetChild(string Name);

    public sealed record GetPositionsKeeper
    {
        public static readonly GetPositionsKeeper Instance = new();
    }

    // The batcher and the positions keeper escalate (their state cannot be rebuilt); any other child restarts,
    // whatever failed (a killed namespace supervisor too).
    protected override SupervisorStrategy SupervisorStrategy() => new ShipperSupervisorStrategy(
        child => child.Equals(_batcher) || child.Equals(_positions), maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1), decider: static _ => Directive.Restart);

    protected override void PreStart()
    {
        var c = _components;
        var s = c.Settings;
        var storeTag = s.Positions.Store.ToString().ToLowerInvariant();
        var positionsOptions = new PositionsKeeperOptions(s.Positions.SaveInterval, s.Positions.Retention, storeTag);
        _positions = Context.ActorOf(
            s.Cluster.Enabled ? SharedStorePositions.Props(c.PositionsStore, positionsOptions, c.Metrics) : PositionsKeeper.Props(c.PositionsStore, positionsOptions, c.Metrics),
            "positions");
        var window = CreditWindow(s);
        var batcherOptions = new BatcherOptions(
            s.Loki.Batch.MaxBytes, s.Loki.Batch.MaxWait, s.Loki.Batch.MaxLines, s.Loki.Buffer.MaxBytes, s.Loki.Buffer.WhenFull, s.Loki.Retry.MaxRetries,
            InitialCredit: Math.Min(16 * 1024, window), CreditWindow: window);
        _batcher = Context.ActorOf(Batcher.Props(batcherOptions, _positions, c.Metrics), "batcher");
        var retry = s.Loki.Retry;
        Context.ActorOf(LokiPusher.SupervisedProps(c.Loki, _batcher, retry.MinBackoff, retry.MaxBackoff, retry.RandomFactor, LokiPusher.ResetAfter(s.Loki.Timeout, retry.MinBackoff)), "push");

        var labeler = new StreamLabeler(s.Labels, s.ClusterName, new LabelLimits(s.Loki.MaxLabelNames, s.Loki.MaxLabelValueLength));
        var tail = new TailContext(c.Kubernetes, _batcher, _positions, s.Tail, c.Metrics, s.Kubernetes.RequestTimeout);
        var context = new NamespaceContext(c.Kubernetes, s.Kubernetes, s.Selection, labeler, tail, _positions, c.SelfPod, Time);
        if (s.Cluster.Enabled)
        {
            StartClusterNode(context, tail, labeler);
        }

        foreach (var ns in s.Cluster.Enabled ? [] : c.Namespaces)
        {
            var name = ns is null ? "ns-all" : $"ns-{ns}";
            _namespaces.Add(Context.ActorOf(NamespaceSupervisor.Props(context, ns), name));
        }

        var namespaces = string.Join(", ", c.Namespaces.Select(n => n ?? "all namespaces"));
        var loki = s.Loki.Url.GetLeftPart(UriPartial.Path);
        LogStarted(Log, namespaces, loki, c.PositionsStore.Description);
    }

    /// <summary>
    /// Cluster mode: streams are sharding entities on whichever node holds their shard, and the pods are
    /// watched by the cluster's one stream coordinator (a singleton), instead of by this guardian's children.
    /// A method of its own so that a single replica never compiles a call into Akka.Cluster.
    /// </summary>
    private void StartClusterNode(NamespaceContext context, TailContext tail, StreamLabeler labeler)
    {
        var c = _components;
        var entities = new StreamEntityContext(tail, labeler, _batcher, _positions, c.Settings.Cluster.HandOffTimeout, c.ClusterMetrics!);
        ClusterNode.Start(Context, new ClusterStart(c.Settings.Cluster, entities, context, c.Namespaces));
    }

    /// <summary>
    /// The credit a reading tail is topped up to: a few reads' worth, small against the budget, which bounds
    /// all credit together (tails beyond it wait their turn).
    /// </summary>
    private static long CreditWindow(ActorLokiSettings s) => Math.Clamp(s.Loki.Buffer.MaxBytes / 64, 64 * 1024, 1024 * 1024);

    private async Task OnShutdownAsync(Shutdown shutdown)
    {
        var replyTo = Sender;
        var time = Time;
        var started = time.GetTimestamp();
        var deadline = shutdown.Deadline;
        LogDraining(Log, deadline);

        if (_components.Settings.Cluster.Enabled)
        {
            // First hand this node's streams over (each stops reading, has its lines pushed and its position
            // saved), so the next owner resumes where this one was acknowledged; then drain what is left.
            var handedOver = await HandOffShardsAsync(Context.System, Remaining(time, started, deadline));
            var took = time.GetElapsedTime(started);
            LogHandedOff(Log, handedOver, took);
        }

        foreach (var ns in _namespaces)
        {
            ns.Tell(NamespaceSupervisor.StopTails.Instance);
        }

        var drained = false;
        try
        {
            await _batcher.Ask<Batcher.Drained>(Batcher.Drain.Instance, Remaining(time, started, deadline));
            drained = true;
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            // The deadline passed with lines still unacknowledged: their positions were not saved, so the
            // next start reads them again. Nothing is lost.
        }

        var saved = false;
        try
        {
            var remaining = Remaining(time, started, deadline);
            var flushed = await _positions.Ask<PositionsKeeper.Flushed>(PositionsKeeper.Flush.Instance, remaining > TimeSpan.FromSeconds(2) ? remaining : TimeSpan.FromSeconds(2));
            saved = flushed.Error is null;
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
        }

        var report = new ShutdownReport(drained, saved, _components.Metrics.BufferedBytes, time.GetElapsedTime(started));
        LogDrained(Log, report.Drained, report.PositionsSaved, report.BufferedBytesLeft, report.Took);
        replyTo.Tell(report);
    }

    private static Task<bool> HandOffShardsAsync(ActorSystem system, TimeSpan deadline) => ClusterNode.HandOffAsync(system, deadline);

    private static TimeSpan Remaining(TimeProvider time, long started, TimeSpan deadline)
    {
        var left = deadline - time.GetElapsedTime(started);
        return left > TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100);
    }

    private async Task OnGetStatusAsync(GetStatus _)
    {
        var replyTo = Sender;
        var timeout = TimeSpan.FromSeconds(5);
        var namespaces = await Task.WhenAll(_namespaces.Select(async ns =>
        {
            try
            {
                return await ns.Ask<NamespaceSupervisor.NamespaceStatus>(NamespaceSupervisor.GetStatus.Instance, timeout);
            }
            catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
            {
                // A supervisor that does not answer (restarting, or stopped for good) is not synced.
                return new NamespaceSupervisor.NamespaceStatus(ns.Path.Name, false, 0, 0, null);
            }
        }));
        Batcher.BatcherStatus? batcher = null;
        try
        {
            batcher = await _batcher.Ask<Batcher.BatcherStatus>(Batcher.GetStatus.Instance, timeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
        }

        replyTo.Tell(new ShipperStatus(namespaces, batcher));
    }

    private async Task OnGetStreamsAsync(GetStreams _)
    {
        var replyTo = Sender;
        var timeout = TimeSpan.FromSeconds(5);
        var tails = new List<ContainerTail.TailStatus>();
        foreach (var ns in _namespaces)
        {
            NamespaceSupervisor.Tails refs;
            try
            {
                refs = await ns.Ask<NamespaceSupervisor.Tails>(NamespaceSupervisor.GetTails.Instance, timeout);
            }
            catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
            {
                continue;
            }

            var statuses = await Task.WhenAll(refs.Refs.Select(async t =>
            {
                try
                {
                    return await t.Ask<ContainerTail.TailStatus>(ContainerTail.GetStatus.Instance, timeout);
                }
                catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
                {
                    return null; // stopped meanwhile
                }
            }));
            tails.AddRange(statuses.OfType<ContainerTail.TailStatus>());
        }

        replyTo.Tell(new Streams(tails));
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "ActorLoki started: following {Namespaces}, pushing to {Loki}, positions in {Positions}")]
    private static partial void LogStarted(ILogger logger, string namespaces, string loki, string positions);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Stopping: no more reading; pushing what is buffered within {Deadline}")]
    private static partial void LogDraining(ILogger logger, TimeSpan deadline);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Cluster: this node's streams handed over = {HandedOver}, after {Took}")]
    private static partial void LogHandedOff(ILogger logger, bool handedOver, TimeSpan took);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Stopped: everything pushed = {Drained}, positions saved = {Saved}, {Left} bytes left unacknowledged, in {Took}")]
    private static partial void LogDrained(ILogger logger, bool drained, bool saved, long left, TimeSpan took);
}

/// <summary>Everything the shipper's actors are built from.</summary>
/// <param name="Namespaces">The namespaces to follow; a single null entry means every namespace.</param>
public sealed record ShipperComponents(
    ActorLokiSettings Settings,
    KubernetesClient Kubernetes,
    LokiClient Loki,
    IPositionsStore PositionsStore,
    ShipperMetrics Metrics,
    IReadOnlyList<string?> Namespaces,
    SelfPod? SelfPod)
{
    /// <summary>The cluster's instruments (only with <c>actorloki.cluster.enabled</c>).</summary>
    public ClusterMetrics? ClusterMetrics { get; init; }
}
