using ActorLoki.Shipper.Actors;
using ActorLoki.Kubernetes;
using Akka.Actor;

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// The positions keeper of one node of a scaled-out deployment. It answers the tails and the batcher exactly
/// like <see cref="PositionsKeeper"/>, but keeps and writes only the streams this node owns
/// (<see cref="StreamOwnership"/>: acquired and not released), each in the ConfigMap of its shard
/// (<see cref="ShardedConfigMapPositionsStore"/>), so replicas share the store without lost updates.
/// </summary>
/// <remarks>
/// An acquire reads its shard afresh (another node may have written it since), and acquires of one shard that
/// arrive while a read of it is in flight share that read: a shard of 100 streams starting at once is one GET.
/// A read that cannot be done is retried with back-off and logged loudly; the acquire and the tails' requests
/// wait, as the single keeper's load does. Every <c>save-interval</c> only the shards whose owned positions
/// changed are written, one request each; a release writes its shard at once and answers after the write (or,
/// past <see cref="ReleaseTimeout"/>, with the error: the next owner then resumes from the last saved position
/// and re-sends what follows with identical timestamps, which Loki de-duplicates).
/// </remarks>
public sealed partial class ShardedPositionsKeeper : ShipperActor, IWithTimers
{
    /// <summary>How long a release keeps retrying its write before it is answered with the error.</summary>
    public static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);

    // Whatever the options say: this keeper writes ConfigMaps only.
    private const string StoreTag = "configmap";
    private const string SaveTimer = "save";
    private static readonly TimeSpan MaxReadBackoff = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan WriteRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly ShardedConfigMapPositionsStore _store;
    private readonly PositionsKeeperOptions _options;
    private readonly ShipperMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ShardState[] _shards;
    private readonly Dictionary<ContainerRef, (IActorRef ReplyTo, StreamOwnership.AcquireStream Acquire)> _acquiresAfterRelease = [];
    private PodLiveness _liveness = PodLiveness.None;

    public ShardedPositionsKeeper(ShardedConfigMapPositionsStore store, PositionsKeeperOptions options, ShipperMetrics metrics)
    {
        _store = store;
        _options = options;
        _metrics = metrics;
        _time = Time;
        _shards = [.. Enumerable.Range(0, store.ShardCount).Select(shard => new ShardState(shard, store.Describe(shard)))];

        Receive<StreamOwnership.AcquireStream>(OnAcquire);
        Receive<StreamOwnership.ReleaseStream>(OnRelease);
        Receive<PositionsKeeper.Get>(OnGet);
        Receive<PositionsKeeper.Acknowledged>(OnAcknowledged);
        Receive<PositionsKeeper.PodsGone>(OnPodsGone);
        Receive<PositionsKeeper.PodsListed>(OnPodsListed);
        Receive<PositionsKeeper.Flush>(_ => OnFlush());
        Receive<PositionsKeeper.GetAll>(_ => Sender.Tell(_shards.SelectMany(s => s.Owned.Values).ToList()));
        Receive<Save>(_ => OnSave());
        Receive<ReadShard>(read => StartRead(_shards[read.Shard]));
        Receive<ShardRead>(OnShardRead);
        Receive<ShardReadFailed>(OnShardReadFailed);
        Receive<WriteShard>(write => StartWriteIfWaited(_shards[write.Shard]));
        Receive<ShardWritten>(OnShardWritten);
        Receive<ShardWriteFailed>(OnShardWriteFailed);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The keeper of a node: its shards' ConfigMaps are <c>{baseName}-NN</c> in <paramref name="namespace"/>.</summary>
    public static Props Props(KubernetesClient client, string @namespace, string baseName, int shardCount, PositionsKeeperOptions options, ShipperMetrics metrics) =>
        Props(new ShardedConfigMapPositionsStore(client, @namespace, baseName, shardCount), options, metrics);

    /// <summary>The keeper of a node on a given store.</summary>
    public static Props Props(ShardedConfigMapPositionsStore store, PositionsKeeperOptions options, ShipperMetrics metrics) =>
        Akka.Actor.Props.Create(() => new ShardedPositionsKeeper(store, options, metrics));

    protected override void PreStart() => Timers.StartPeriodicTimer(SaveTimer, Save.Instance, _options.SaveInterval);

    private void OnAcquire(StreamOwnership.AcquireStream acquire)
    {
        var container = new ContainerRef(acquire.PodUid, acquire.Container);
        var shard = ShardOf(container);
        if (shard.Releasing.Contains(container))
        {
            // Its release is being written: acquire it again once that is done, on a read that follows the write.
            _acquiresAfterRelease[container] = (Sender, acquire);
            return;
        }

        if (shard.OwnedContainers.Contains(container))
        {
            // Already ours: what this node holds is newer than anything stored.
            Sender.Tell(new StreamOwnership.StreamAcquired(acquire.PodUid, acquire.Container, null));
            return;
        }

        RequestRead(shard, new ReadWaiter(Sender, container, null));
    }

    private void OnGet(PositionsKeeper.Get get)
    {
        var container = new ContainerRef(get.Key.PodUid, get.Key.Container);
        var shard = ShardOf(container);
        if (shard.OwnedContainers.Contains(container))
        {
            Sender.Tell(new PositionsKeeper.Current(get.Key, PositionRules.Newest(shard.Owned, get.Key)));
            return;
        }

        // Being acquired (it waits for that read) or not ours at all (answered from a fresh read, not taken).
        RequestRead(shard, new ReadWaiter(Sender, container, get.Key));
    }

    private void OnRelease(StreamOwnership.ReleaseStream release)
    {
        var container = new ContainerRef(release.PodUid, release.Container);
        var shard = ShardOf(container);

        // A read already on its way may predate this release: later acquires of the shard need a new one.
        shard.ReadJoinable = false;
        shard.ReadWaiters.RemoveAll(w => w.Get is null && w.Container == container);
        shard.NextReadWaiters.RemoveAll(w => w.Get is null && w.Container == container);
        _acquiresAfterRelease.Remove(container);

        if (!shard.OwnedContainers.Contains(container) && !release.Forget)
        {
            Sender.Tell(new StreamOwnership.StreamReleased(release.PodUid, release.Container, true, null));
            return;
        }

        if (release.Forget)
        {
            RemoveOwned(shard, container);
            shard.Changed();
        }

        // Until the write succeeds the container stays in the owned set, so the write replaces (or removes) its entries.
        shard.OwnedContainers.Add(container);
        shard.Releasing.Add(container);
        shard.NextWriteWaiters.Add(new ReleaseWaiter(Sender, container, _time.GetUtcNow() + ReleaseTimeout));
        StartWriteIfWaited(shard);
    }

    private void OnAcknowledged(PositionsKeeper.Acknowledged acknowledged)
    {
        var ignored = 0;
        foreach (var position in acknowledged.Positions)
        {
            var container = new ContainerRef(position.Key.PodUid, position.Key.Container);
            var shard = ShardOf(container);
            if (!shard.OwnedContainers.Contains(container) || shard.Releasing.Contains(container))
            {
                // Acknowledged after its release: the next owner has (or will read) the released position.
                ignored++;
                continue;
            }

            PositionRules.Acknowledge(shard.Owned, position, GoneAt);
            shard.Changed();
        }

        if (ignored > 0)
        {
            _metrics.PositionsNotOwned.Add(ignored, ShipperMetrics.Store(StoreTag));
            LogNotOwned(Log, ignored);
        }
    }

    private DateTimeOffset? GoneAt(string podUid) => _liveness.Gone.TryGetValue(podUid, out var at) ? at : null;

    private void OnPodsGone(PositionsKeeper.PodsGone gone)
    {
        var uids = gone.PodUids as IReadOnlySet<string> ?? gone.PodUids.ToHashSet(StringComparer.Ordinal);
        _liveness = _liveness.WithGone(uids, gone.At);
        MarkOwned(p => p.PodGoneAt is null && uids.Contains(p.Key.PodUid) ? p with { PodGoneAt = gone.At } : p);
    }

    private void OnPodsListed(PositionsKeeper.PodsListed listed)
    {
        var present = listed.PodUids as IReadOnlySet<string> ?? listed.PodUids.ToHashSet(StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        _liveness = _liveness.WithListing(listed.Namespace, present, now);
        MarkOwned(p =>
            p.PodGoneAt is null && (listed.Namespace == "*" || p.Namespace == listed.Namespace) && !present.Contains(p.Key.PodUid) ? p with { PodGoneAt = now }
            : p.PodGoneAt is not null && present.Contains(p.Key.PodUid) ? p with { PodGoneAt = null }
            : p);
    }

    private void MarkOwned(Func<SavedPosition, SavedPosition> mark)
    {
        foreach (var shard in _shards)
        {
            foreach (var (key, position) in shard.Owned)
            {
                var marked = mark(position);
                if (marked != position)
                {
                    shard.Owned[key] = marked;
                    shard.Changed();
                }
            }
        }
    }

    private void OnSave()
    {
        var now = _time.GetUtcNow();
        _liveness = _liveness.Expire(now, _options.Retention);
        foreach (var shard in _shards)
        {
            if (NeedsWrite(shard, now))
            {
                StartWrite(shard);
            }
        }
    }

    private void OnFlush()
    {
        var now = _time.GetUtcNow();
        var shards = _shards.Where(s => NeedsWrite(s, now)).ToList();
        if (shards.Count == 0)
        {
            Sender.Tell(new PositionsKeeper.Flushed(true, null));
            return;
        }

        var flush = new FlushWaiter(Sender, shards.Count);
        foreach (var shard in shards)
        {
            shard.NextWriteWaiters.Add(flush);
            StartWriteIfWaited(shard);
        }
    }

    private ShardState ShardOf(ContainerRef container) => _shards[_store.ShardOf(container.PodUid, container.Container)];

    private static void RemoveOwned(ShardState shard, ContainerRef container)
    {
        foreach (var key in shard.Owned.Keys.Where(k => k.PodUid == container.PodUid && k.Container == container.Container).ToList())
        {
            shard.Owned.Remove(key);
        }
    }

    /// <summary>A pod's container: the unit a node owns (all its instances).</summary>
    private readonly record struct ContainerRef(string PodUid, string Container);

    private sealed record Save
    {
        public static readonly Save Instance = new();
    }
}
