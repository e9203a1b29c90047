using System.Runtime.CompilerServices;
using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Positions;
using Akka.Actor;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// A node's positions in a cluster whose replicas share one positions store (memory in tests, a file or the
/// single ConfigMap): a <see cref="PositionsKeeper"/> as today, behind an actor that answers the ownership
/// protocol (<see cref="StreamOwnership"/>) and forwards everything else to it. An acquire reads the shared
/// store afresh and gives the keeper that container's positions; a release has the keeper save, then lets go.
/// The keeper writes through <see cref="OwnedPositionsStore"/>, which writes only the streams this node owns
/// into the shared document, so replicas do not overwrite each other's positions.
/// </summary>
/// <remarks>
/// This is the interim store of a scaled-out deployment: every save reads and rewrites the whole shared
/// document. The per-shard ConfigMaps of <c>ShardedPositionsKeeper</c> (positions branch) answer the same
/// messages and replace it for the configmap store.
/// </remarks>
public sealed class SharedStorePositions : ShipperActor
{
    private readonly IPositionsStore _shared;
    private readonly OwnedPositionsStore _owned;
    private readonly PositionsKeeperOptions _options;
    private readonly ShipperMetrics _metrics;
    private IActorRef _keeper = ActorRefs.Nobody;

    public SharedStorePositions(IPositionsStore shared, PositionsKeeperOptions options, ShipperMetrics metrics)
    {
        _shared = shared;
        _owned = new OwnedPositionsStore(shared);
        _options = options;
        _metrics = metrics;
        ReceiveAsync<StreamOwnership.AcquireStream>(OnAcquireAsync);
        ReceiveAsync<StreamOwnership.ReleaseStream>(OnReleaseAsync);
        ReceiveAny(message => _keeper.Forward(message));
    }

    public static Props Props(IPositionsStore shared, PositionsKeeperOptions options, ShipperMetrics metrics) =>
        Akka.Actor.Props.Create(() => new SharedStorePositions(shared, options, metrics));

    // The keeper's failure is this actor's (the guardian stops the process on it): its state cannot be rebuilt.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

    protected override void PreStart() => _keeper = Context.ActorOf(PositionsKeeper.Props(_owned, _options, _metrics), "keeper");

    private async Task OnAcquireAsync(StreamOwnership.AcquireStream acquire)
    {
        var replyTo = Sender;
        try
        {
            var saved = await _shared.LoadAsync(LifetimeToken);
            var mine = saved.Where(p => p.Key.PodUid == acquire.PodUid && p.Key.Container == acquire.Container).ToList();
            _owned.Own(acquire.PodUid, acquire.Container);
            if (mine.Count > 0)
            {
                // Before the answer: the tail asks the keeper for its position only after it.
                _keeper.Tell(new PositionsKeeper.Acknowledged(mine));
            }

            replyTo.Tell(new StreamOwnership.StreamAcquired(acquire.PodUid, acquire.Container, null));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            replyTo.Tell(new StreamOwnership.StreamAcquired(acquire.PodUid, acquire.Container, e));
        }
    }

    private async Task OnReleaseAsync(StreamOwnership.ReleaseStream release)
    {
        var replyTo = Sender;
        if (release.Forget)
        {
            _owned.Forget(release.PodUid, release.Container);
        }

        try
        {
            var flushed = await _keeper.Ask<PositionsKeeper.Flushed>(PositionsKeeper.Flush.Instance, TimeSpan.FromSeconds(10));
            if (flushed.Error is null && release.Forget)
            {
                await _owned.RemoveAsync(release.PodUid, release.Container, LifetimeToken);
            }

            _owned.Disown(release.PodUid, release.Container);
            replyTo.Tell(new StreamOwnership.StreamReleased(release.PodUid, release.Container, flushed.Error is null, flushed.Error));
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException || e is not OperationCanceledException)
        {
            _owned.Disown(release.PodUid, release.Container);
            replyTo.Tell(new StreamOwnership.StreamReleased(release.PodUid, release.Container, false, e));
        }
    }
}

/// <summary>
/// A view of a shared positions store that writes only the streams this node owns: a save reads the shared
/// document, keeps every other node's entries as they are and replaces this node's. Saves of the same shared
/// store are serialised within the process (the in-process cluster tests share one memory store).
/// </summary>
public sealed class OwnedPositionsStore(IPositionsStore shared) : IPositionsStore
{
    private static readonly ConditionalWeakTable<IPositionsStore, SemaphoreSlim> Locks = new();

    private readonly HashSet<(string PodUid, string Container)> _owned = [];
    private readonly HashSet<(string PodUid, string Container)> _forgotten = [];
    private readonly Lock _gate = new();

    public string Description => shared.Description;

    public void Own(string podUid, string container)
    {
        lock (_gate)
        {
            _owned.Add((podUid, container));
            _forgotten.Remove((podUid, container));
        }
    }

    public void Disown(string podUid, string container)
    {
        lock (_gate)
        {
            _owned.Remove((podUid, container));
        }
    }

    /// <summary>The container's position is to be dropped, not saved (its pod is gone and it was read to its end).</summary>
    public void Forget(string podUid, string container)
    {
        lock (_gate)
        {
            _forgotten.Add((podUid, container));
        }
    }

    public Task<IReadOnlyList<SavedPosition>> LoadAsync(CancellationToken cancellationToken) => shared.LoadAsync(cancellationToken);

    public async Task SaveAsync(IReadOnlyList<SavedPosition> positions, CancellationToken cancellationToken)
    {
        var gate = Locks.GetValue(shared, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await shared.LoadAsync(cancellationToken).ConfigureAwait(false);
            List<SavedPosition> merged;
            lock (_gate)
            {
                merged = [.. current.Where(p => !IsMine(p.Key)), .. positions.Where(p => IsMine(p.Key) && !_forgotten.Contains((p.Key.PodUid, p.Key.Container)))];
            }

            await shared.SaveAsync(merged, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes the container's positions from the shared document.</summary>
    public async Task RemoveAsync(string podUid, string container, CancellationToken cancellationToken)
    {
        var gate = Locks.GetValue(shared, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await shared.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (current.Any(p => p.Key.PodUid == podUid && p.Key.Container == container))
            {
                await shared.SaveAsync([.. current.Where(p => p.Key.PodUid != podUid || p.Key.Container != container)], cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private bool IsMine(StreamKey key) => _owned.Contains((key.PodUid, key.Container));
}
