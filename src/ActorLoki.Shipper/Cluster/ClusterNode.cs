using ActorLoki.Shipper.Discovery;
using ActorLoki.Shipper.Settings;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// Starts a node's part of the cluster: the shard region <see cref="RegionName"/> whose entities are the
/// <see cref="StreamEntity"/>s this node follows, the singleton manager of the <see cref="StreamCoordinator"/>,
/// and, without seed nodes, the <see cref="SeedNodeDiscovery"/> that finds the other replicas through <see cref="PodServiceDiscovery"/>.
/// The only place the shipper's own code touches Akka.Cluster's types besides the cluster actors, and called
/// only with <c>actorloki.cluster.enabled</c>: a single replica never loads those assemblies.
/// </summary>
public static partial class ClusterNode
{
    /// <summary>The shard region's type name.</summary>
    public const string RegionName = "streams";

    /// <summary>The singleton manager's name under the guardian (the same path on every node).</summary>
    public const string CoordinatorName = "stream-coordinator";

    /// <summary>Starts the region and the coordinator's singleton manager (a child of <paramref name="guardian"/>).</summary>
    public static void Start(IUntypedActorContext guardian, ClusterStart start)
    {
        ArgumentNullException.ThrowIfNull(guardian);
        ArgumentNullException.ThrowIfNull(start);
        var system = guardian.System;
        var settings = start.Settings;
        var entityContext = start.Entities;
        var region = ClusterSharding.Get(system).Start(
            RegionName,
            entityId => StreamEntity.Props(entityContext, entityId),
            ClusterShardingSettings.Create(system),
            new StreamMessageExtractor(settings.Shards),
            ClusterSharding.Get(system).DefaultShardAllocationStrategy(ClusterShardingSettings.Create(system)),
            HandOff.Instance);

        guardian.ActorOf(
            ClusterSingletonManager.Props(
                StreamCoordinator.Props(start.Namespaces, start.NamespacesToFollow, region, settings.EnsureInterval, settings.SplitBrainResolver.StableAfter),
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system)),
            CoordinatorName);

        guardian.ActorOf(Props.Create(() => new ClusterWatch(region, entityContext.Metrics)), "cluster-watch");

        if (settings.SeedNodes.Count == 0)
        {
            // Find the other replicas through PodServiceDiscovery, then join or form the cluster.
            var bootstrap = settings.Bootstrap;
            guardian.ActorOf(SeedNodeDiscovery.Props(bootstrap.PortName, bootstrap.RequiredContactPoints, bootstrap.StableMargin), "seed-discovery");
        }
    }

    /// <summary>
    /// Hands this node's shards over (a graceful leave): the region stops its entities with <see cref="HandOff"/>,
    /// each pushing its lines and saving its position, and the coordinator gives the shards to other nodes.
    /// True when the region stopped within <paramref name="deadline"/>.
    /// </summary>
    public static async Task<bool> HandOffAsync(ActorSystem system, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(system);
        var region = ClusterSharding.Get(system).ShardRegion(RegionName);
        using var timeout = new CancellationTokenSource(deadline);
        var stopped = region.WatchAsync(timeout.Token);
        region.Tell(GracefulShutdown.Instance);
        try
        {
            return await stopped.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>What <c>/debug/cluster</c> shows: membership as this node sees it, and its shards and entities.</summary>
    public static async Task<ClusterStatus> GetStatusAsync(ActorSystem system, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(system);
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var members = state.Members
            .Select(m => new ClusterMemberStatus(m.Address.ToString(), m.Status.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)]))
            .ToList();
        var unreachable = state.Unreachable.Select(m => m.Address.ToString()).Order(StringComparer.Ordinal).ToList();
        IReadOnlyList<ClusterShardStatus> shards = [];
        try
        {
            var region = ClusterSharding.Get(system).ShardRegion(RegionName);
            var current = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, timeout).ConfigureAwait(false);
            shards = current.Shards
                .Select(s => new ClusterShardStatus(s.ShardId, [.. s.EntityIds.Order(StringComparer.Ordinal)]))
                .OrderBy(s => int.TryParse(s.Shard, out var n) ? n : int.MaxValue)
                .ToList();
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException or ArgumentException)
        {
            // The region is not started (yet) or is shutting down: no shards to show.
        }

        return new ClusterStatus(
            cluster.SelfAddress.ToString(),
            cluster.SelfMember.Status.ToString(),
            state.Leader?.ToString(),
            members,
            unreachable,
            shards);
    }

    /// <summary>
    /// The tails of the stream entities on this node (for <c>/debug/streams</c>): each entity runs its tail as its
    /// child <c>tail</c>, under its shard of the region (entity names are URL-encoded by sharding).
    /// </summary>
    public static async Task<IReadOnlyList<ICanTell>> LocalTailsAsync(ActorSystem system, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(system);
        try
        {
            var region = ClusterSharding.Get(system).ShardRegion(RegionName);
            var current = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, timeout).ConfigureAwait(false);
            return [.. current.Shards.SelectMany(s => s.EntityIds.Select(id =>
                (ICanTell)system.ActorSelection(region.Path / s.ShardId / Uri.EscapeDataString(id) / "tail")))];
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException or ArgumentException)
        {
            return [];
        }
    }

    /// <summary>Whether this node is an Up member of the cluster (readiness when clustering is on).</summary>
    public static bool IsUp(ActorSystem system) =>
        Akka.Cluster.Cluster.Get(system).SelfMember.Status == Akka.Cluster.MemberStatus.Up;

    private static List<KeyValuePair<string, int>> Members(Akka.Cluster.Cluster cluster)
    {
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        return state.Members
            .GroupBy(m => unreachable.Contains(m.UniqueAddress) ? "unreachable" : m.Status.ToString().ToLowerInvariant())
            .Select(g => new KeyValuePair<string, int>(g.Key, g.Count()))
            .ToList();
    }

    /// <summary>Logs members joining and leaving, and keeps the shard gauge up to date from the region's state.</summary>
    private sealed partial class ClusterWatch : Actors.ShipperActor, IWithTimers
    {
        private int _shards;

        public ClusterWatch(IActorRef region, ClusterMetrics metrics)
        {
            // The gauges are read on the metrics collector's thread, where there is no actor context.
            var cluster = Akka.Cluster.Cluster.Get(Context.System);
            metrics.Observe(() => Members(cluster), () => Volatile.Read(ref _shards));
            Receive<Akka.Cluster.ClusterEvent.MemberUp>(up => LogMemberUp(Log, up.Member.Address));
            Receive<Akka.Cluster.ClusterEvent.MemberExited>(exited => LogMemberLeaving(Log, exited.Member.Address));
            Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(removed => LogMemberRemoved(Log, removed.Member.Address, removed.PreviousStatus));
            Receive<Akka.Cluster.ClusterEvent.UnreachableMember>(u => LogUnreachable(Log, u.Member.Address));
            Receive<Akka.Cluster.ClusterEvent.IClusterDomainEvent>(_ => { });
            Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(_ => { });
            Receive<Refresh>(_ => region.Tell(GetShardRegionState.Instance));
            Receive<CurrentShardRegionState>(state => Volatile.Write(ref _shards, state.Shards.Count));
            cluster.Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(Akka.Cluster.ClusterEvent.IMemberEvent), typeof(Akka.Cluster.ClusterEvent.UnreachableMember));
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart() => Timers.StartPeriodicTimer("refresh", Refresh.Instance, TimeSpan.FromSeconds(5));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

        private sealed record Refresh
        {
            public static readonly Refresh Instance = new();
        }

        [LoggerMessage(EventId = 1721, Level = LogLevel.Information, Message = "Cluster member {Address} is up")]
        private static partial void LogMemberUp(ILogger logger, Address address);

        [LoggerMessage(EventId = 1722, Level = LogLevel.Information, Message = "Cluster member {Address} is leaving (its streams are handed over)")]
        private static partial void LogMemberLeaving(ILogger logger, Address address);

        [LoggerMessage(EventId = 1723, Level = LogLevel.Information, Message = "Cluster member {Address} removed (was {Status})")]
        private static partial void LogMemberRemoved(ILogger logger, Address address, Akka.Cluster.MemberStatus status);

        [LoggerMessage(EventId = 1724, Level = LogLevel.Warning, Message = "Cluster member {Address} is unreachable")]
        private static partial void LogUnreachable(ILogger logger, Address address);
    }
}

/// <summary>What a node's cluster part is started with.</summary>
/// <param name="Namespaces">The namespace supervisors' context (the coordinator sets itself as their placement).</param>
public sealed record ClusterStart(ClusterSettings Settings, StreamEntityContext Entities, NamespaceContext Namespaces, IReadOnlyList<string?> NamespacesToFollow);

/// <summary><c>/debug/cluster</c>: this node, the leader, the members, the unreachable ones, and this node's shards.</summary>
public sealed record ClusterStatus(
    string Self,
    string SelfStatus,
    string? Leader,
    IReadOnlyList<ClusterMemberStatus> Members,
    IReadOnlyList<string> Unreachable,
    IReadOnlyList<ClusterShardStatus> Shards);

public sealed record ClusterMemberStatus(string Address, string Status, IReadOnlyList<string> Roles);

/// <summary>A shard hosted on this node and the entity ids (<c>podUid/container</c>) it holds.</summary>
public sealed record ClusterShardStatus(string Shard, IReadOnlyList<string> Entities);
