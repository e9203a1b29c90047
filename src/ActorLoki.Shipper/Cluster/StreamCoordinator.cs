using ActorLoki.Kubernetes.Models;
using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Discovery;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// The cluster singleton that knows which streams must exist: it runs the usual <see cref="NamespaceSupervisor"/>s
/// (list and watch pods, selection, exclusion) with itself as their placement, and turns what they decide into
/// messages for the stream entities through the shard region: a pod's new state to each of its streams, a
/// deletion, a stream no longer wanted. Every <c>ensure-interval</c>, and at once when a node is removed, it
/// sends each stream a light <see cref="EnsureStream"/> (ids and resourceVersion): delivering it is what brings
/// back an entity whose node was lost, without waiting for its pod to change. It keeps the last state of each
/// pod with followed containers, to answer <see cref="NeedPod"/>.
/// </summary>
public sealed partial class StreamCoordinator : ShipperActor, IWithTimers
{
    private const string EnsureTimer = "ensure";
    private const string FastEnsureTimer = "ensure-after-removal";

    private readonly NamespaceContext _namespaceContext;
    private readonly IReadOnlyList<string?> _namespaces;
    private readonly IActorRef _region;
    private readonly TimeSpan _ensureInterval;
    private readonly TimeSpan _fastEnsureWindow;
    private DateTimeOffset? _fastEnsureUntil;
    private readonly Dictionary<string, (Pod Pod, HashSet<string> Containers)> _pods = new(StringComparer.Ordinal);

    /// <param name="downRemovalMargin">How long sharding waits after a node's removal before it reallocates its shards.</param>
    public StreamCoordinator(NamespaceContext namespaceContext, IReadOnlyList<string?> namespaces, IActorRef region, TimeSpan ensureInterval, TimeSpan downRemovalMargin)
    {
        _fastEnsureWindow = downRemovalMargin + TimeSpan.FromSeconds(10);
        _namespaceContext = namespaceContext;
        _namespaces = namespaces;
        _region = region;
        _ensureInterval = ensureInterval;

        Receive<StreamPlacement.PodStreams>(OnPodStreams);
        Receive<StreamPlacement.PodGone>(OnPodGone);
        Receive<NeedPod>(need =>
        {
            if (_pods.TryGetValue(need.PodUid, out var known) && known.Containers.Contains(need.Container))
            {
                Sender.Tell(new StreamPod(need.PodUid, need.Container, known.Pod));
            }
            else
            {
                Sender.Tell(new StreamNotWanted(need.PodUid, need.Container));
            }
        });
        Receive<Ensure>(_ =>
        {
            if (_fastEnsureUntil is { } until && Time.GetUtcNow() > until)
            {
                _fastEnsureUntil = null;
                Timers.Cancel(FastEnsureTimer);
            }

            EnsureAll();
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            LogMemberRemoved(Log, removed.Member.Address);
            EnsureAll();

            // Sharding gives the removed node's shards to the survivors only after down-removal-margin (the
            // split-brain resolver's stable-after), so that the other side has stopped: until then ensures for
            // those shards are dropped. Ensure every second until well after it, then at the usual pace again.
            _fastEnsureUntil = Time.GetUtcNow() + _fastEnsureWindow;
            Timers.StartPeriodicTimer(FastEnsureTimer, Ensure.Instance, TimeSpan.FromSeconds(1));
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<GetStreamCount>(_ => Sender.Tell(_pods.Values.Sum(p => p.Containers.Count)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(NamespaceContext namespaceContext, IReadOnlyList<string?> namespaces, IActorRef region, TimeSpan ensureInterval, TimeSpan downRemovalMargin) =>
        Akka.Actor.Props.Create(() => new StreamCoordinator(namespaceContext, namespaces, region, ensureInterval, downRemovalMargin));

    /// <summary>How many streams must exist now; answered with an int.</summary>
    public sealed record GetStreamCount
    {
        public static readonly GetStreamCount Instance = new();
    }

    private sealed record Ensure
    {
        public static readonly Ensure Instance = new();
    }

    protected override void PreStart()
    {
        var context = _namespaceContext with { Placement = Self };
        foreach (var ns in _namespaces)
        {
            Context.ActorOf(NamespaceSupervisor.Props(context, ns), ns is null ? "ns-all" : $"ns-{ns}");
        }

        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
        Timers.StartPeriodicTimer(EnsureTimer, Ensure.Instance, _ensureInterval);
        var namespaces = string.Join(", ", _namespaces.Select(n => n ?? "all namespaces"));
        LogCoordinating(Log, namespaces);
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    protected override SupervisorStrategy SupervisorStrategy() => new ShipperSupervisorStrategy();

    private void OnPodStreams(StreamPlacement.PodStreams streams)
    {
        var pod = streams.Pod;
        var uid = pod.Metadata!.Uid!;
        var wanted = streams.Containers.ToHashSet(StringComparer.Ordinal);
        if (_pods.TryGetValue(uid, out var known))
        {
            foreach (var container in known.Containers.Where(c => !wanted.Contains(c)))
            {
                _region.Tell(new StreamNotWanted(uid, container), Self);
            }
        }

        if (wanted.Count == 0)
        {
            _pods.Remove(uid);
            return;
        }

        _pods[uid] = (pod, wanted);
        foreach (var container in wanted)
        {
            _region.Tell(new StreamPod(uid, container, pod), Self);
        }
    }

    private void OnPodGone(StreamPlacement.PodGone gone)
    {
        var uid = gone.Pod.Metadata!.Uid!;
        if (_pods.Remove(uid, out var known))
        {
            foreach (var container in known.Containers)
            {
                _region.Tell(new StreamPodDeleted(uid, container, gone.Pod), Self);
            }
        }
    }

    private void EnsureAll()
    {
        foreach (var (uid, (pod, containers)) in _pods)
        {
            foreach (var container in containers)
            {
                _region.Tell(new EnsureStream(uid, container, pod.Metadata?.ResourceVersion), Self);
            }
        }
    }

    [LoggerMessage(EventId = 1711, Level = LogLevel.Information, Message = "Coordinating the streams of {Namespaces} for the cluster")]
    private static partial void LogCoordinating(ILogger logger, string namespaces);

    [LoggerMessage(EventId = 1712, Level = LogLevel.Information, Message = "Cluster member {Address} removed: making sure every stream it followed is followed again")]
    private static partial void LogMemberRemoved(ILogger logger, Address address);
}
