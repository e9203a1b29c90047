using Akka.Actor;

namespace ActorLoki.Shipper.Positions;

// Reading and writing one shard's ConfigMap: at most one read and one write of a shard in flight, each piped
// back to the actor; the merge of a write runs off the actor, on an immutable view taken when it started.
public sealed partial class ShardedPositionsKeeper
{
    private void RequestRead(ShardState shard, ReadWaiter waiter)
    {
        if (!shard.Reading)
        {
            shard.ReadWaiters.Add(waiter);
            StartRead(shard);
        }
        else if (shard.ReadJoinable)
        {
            shard.ReadWaiters.Add(waiter);
        }
        else
        {
            shard.NextReadWaiters.Add(waiter);
        }
    }

    private void StartRead(ShardState shard)
    {
        // A retry (or the next read) starts now, so whoever waited for a later read can share it.
        shard.ReadWaiters.AddRange(shard.NextReadWaiters);
        shard.NextReadWaiters.Clear();
        shard.Reading = true;
        shard.ReadJoinable = true;
        var number = shard.Shard;
        _store.ReadAsync(number, LifetimeToken).PipeTo(Self, success: read => new ShardRead(read), failure: e => new ShardReadFailed(number, e));
    }

    private void OnShardRead(ShardRead read)
    {
        var snapshot = read.Positions;
        var shard = _shards[snapshot.Shard];
        shard.Reading = false;
        shard.ReadAttempts = 0;
        shard.Known = snapshot;
        if (snapshot.Corrupt is not null)
        {
            LogCorrupt(Log, snapshot.Corrupt, shard.Store);
        }

        if (snapshot.MigratedFrom is not null && snapshot.Positions.Count > 0)
        {
            LogMigrated(Log, shard.Store, snapshot.Positions.Count, snapshot.MigratedFrom);
        }

        var stored = snapshot.Positions.ToLookup(p => new ContainerRef(p.Key.PodUid, p.Key.Container));
        var waiters = shard.ReadWaiters.ToList();
        shard.ReadWaiters.Clear();
        foreach (var waiter in waiters.Where(w => w.Get is null))
        {
            if (shard.OwnedContainers.Add(waiter.Container))
            {
                foreach (var position in stored[waiter.Container])
                {
                    shard.Owned[position.Key] = position;
                }
            }

            waiter.ReplyTo.Tell(new StreamOwnership.StreamAcquired(waiter.Container.PodUid, waiter.Container.Container, null));
        }

        foreach (var waiter in waiters.Where(w => w.Get is not null))
        {
            var key = waiter.Get!.Value;
            var position = shard.OwnedContainers.Contains(waiter.Container)
                ? PositionRules.Newest(shard.Owned, key)
                : PositionRules.Newest(stored[waiter.Container].ToDictionary(p => p.Key), key);
            waiter.ReplyTo.Tell(new PositionsKeeper.Current(key, position));
        }

        LogShardRead(Log, shard.Store, snapshot.Positions.Count, waiters.Count);
        if (shard.NextReadWaiters.Count > 0)
        {
            StartRead(shard);
        }
    }

    private void OnShardReadFailed(ShardReadFailed failed)
    {
        var shard = _shards[failed.Shard];
        shard.ReadAttempts++;
        var delay = TimeSpan.FromTicks(Math.Min(MaxReadBackoff.Ticks, TimeSpan.FromSeconds(1).Ticks << Math.Min(shard.ReadAttempts - 1, 10)));
        LogReadFailed(Log, failed.Error, shard.Store, shard.ReadAttempts, delay);

        // Still reading: acquires and requests that come meanwhile wait for the retry.
        Timers.StartSingleTimer("read-" + shard.Shard, new ReadShard(shard.Shard), delay);
    }

    private bool NeedsWrite(ShardState shard, DateTimeOffset now)
    {
        if (shard.Dirty)
        {
            return true;
        }

        if (shard.OwnedContainers.Count == 0)
        {
            return false;
        }

        // Nothing of ours changed, but entries have outlived their retention: prune them.
        var retention = _options.Retention;
        return shard.Owned.Values.Any(p => p.PodGoneAt + retention < now)
            || (shard.Known?.Positions.Any(p => !shard.OwnedContainers.Contains(new ContainerRef(p.Key.PodUid, p.Key.Container)) && _liveness.Apply(p).PodGoneAt + retention < now) ?? false);
    }

    private void StartWriteIfWaited(ShardState shard)
    {
        if (shard.NextWriteWaiters.Count > 0)
        {
            StartWrite(shard);
        }
    }

    private void StartWrite(ShardState shard)
    {
        if (shard.Writing)
        {
            // Taken up when the write in flight ends: its waiters, or the next interval for mere changes.
            return;
        }

        var now = _time.GetUtcNow();
        var retention = _options.Retention;
        foreach (var expired in shard.Owned.Where(p => p.Value.PodGoneAt + retention < now).Select(p => p.Key).ToList())
        {
            shard.Owned.Remove(expired);
        }

        shard.Writing = true;
        shard.WriteWaiters.AddRange(shard.NextWriteWaiters);
        shard.NextWriteWaiters.Clear();
        var generation = shard.Generation;
        var owned = shard.OwnedContainers.ToHashSet();
        var ours = shard.Owned.Values.ToList();
        var liveness = _liveness;
        var basis = shard.Known;
        var number = shard.Shard;
        IReadOnlyList<SavedPosition> Merge(IReadOnlyList<SavedPosition> fresh) =>
        [
            .. fresh
                .Where(p => !owned.Contains(new ContainerRef(p.Key.PodUid, p.Key.Container)))
                .Select(liveness.Apply)
                .Where(p => !(p.PodGoneAt + retention < now)),
            .. ours,
        ];

        WriteAsync(basis, number, Merge).PipeTo(Self, success: written => new ShardWritten(written, generation), failure: e => new ShardWriteFailed(number, e));
    }

    private async Task<PositionsShard> WriteAsync(PositionsShard? basis, int shard, Func<IReadOnlyList<SavedPosition>, IReadOnlyList<SavedPosition>> merge)
    {
        // Never read (a forget of a stream this node did not follow): read it first, the write needs a basis.
        basis ??= await _store.ReadAsync(shard, LifetimeToken).ConfigureAwait(false);
        return await _store.WriteAsync(basis, merge, LifetimeToken).ConfigureAwait(false);
    }

    private void OnShardWritten(ShardWritten written)
    {
        var shard = _shards[written.Positions.Shard];
        shard.Writing = false;
        if (written.Positions.Corrupt is not null && !ReferenceEquals(written.Positions.Corrupt, shard.Known?.Corrupt))
        {
            LogCorrupt(Log, written.Positions.Corrupt, shard.Store);
        }

        shard.Known = written.Positions with { Corrupt = null, MigratedFrom = null };
        shard.SavedGeneration = Math.Max(shard.SavedGeneration, written.Generation);
        _metrics.PositionsSaved.Add(1, ShipperMetrics.Store(StoreTag));

        var waiters = shard.WriteWaiters.ToList();
        shard.WriteWaiters.Clear();
        foreach (var waiter in waiters)
        {
            switch (waiter)
            {
                case ReleaseWaiter release:
                    Released(shard, release, null);
                    break;
                case FlushWaiter flush:
                    flush.Done(null);
                    break;
            }
        }

        StartWriteIfWaited(shard);
    }

    private void OnShardWriteFailed(ShardWriteFailed failed)
    {
        var shard = _shards[failed.Shard];
        shard.Writing = false;
        _metrics.PositionsSaveFailures.Add(1, ShipperMetrics.Store(StoreTag));
        LogSaveFailed(Log, failed.Error, shard.Store);

        var now = _time.GetUtcNow();
        var waiters = shard.WriteWaiters.ToList();
        shard.WriteWaiters.Clear();
        var retry = false;
        foreach (var waiter in waiters)
        {
            switch (waiter)
            {
                case ReleaseWaiter release when now < release.Deadline:
                    shard.NextWriteWaiters.Add(release);
                    retry = true;
                    break;
                case ReleaseWaiter release:
                    LogReleaseFailed(Log, failed.Error, release.Container.PodUid, release.Container.Container, shard.Store, ReleaseTimeout);
                    Released(shard, release, failed.Error);
                    break;
                case FlushWaiter flush:
                    // Kept dirty: the next interval tries again.
                    flush.Done(failed.Error);
                    break;
            }
        }

        if (retry)
        {
            Timers.StartSingleTimer("write-" + shard.Shard, new WriteShard(shard.Shard), WriteRetryDelay);
        }
        else
        {
            StartWriteIfWaited(shard);
        }
    }

    private void Released(ShardState shard, ReleaseWaiter release, Exception? error)
    {
        // From here on this node no longer writes the container, whatever the outcome.
        var container = release.Container;
        shard.Releasing.Remove(container);
        shard.OwnedContainers.Remove(container);
        RemoveOwned(shard, container);
        release.ReplyTo.Tell(new StreamOwnership.StreamReleased(container.PodUid, container.Container, error is null, error));
        if (_acquiresAfterRelease.Remove(container, out var again))
        {
            Self.Tell(again.Acquire, again.ReplyTo);
        }
    }

    /// <summary>One shard's part of the keeper: what this node owns in it, and its reads and writes in flight.</summary>
    private sealed class ShardState(int shard, string store)
    {
        public int Shard { get; } = shard;

        /// <summary>Its ConfigMap, for logs.</summary>
        public string Store { get; } = store;

        /// <summary>Positions of the streams this node owns in the shard.</summary>
        public Dictionary<StreamKey, SavedPosition> Owned { get; } = [];

        /// <summary>Containers this node owns (acquired, not yet released), with or without a position yet.</summary>
        public HashSet<ContainerRef> OwnedContainers { get; } = [];

        /// <summary>Containers whose release is waiting for its write.</summary>
        public HashSet<ContainerRef> Releasing { get; } = [];

        /// <summary>The shard as last read or written: the basis of the next write.</summary>
        public PositionsShard? Known { get; set; }

        public bool Reading { get; set; }

        /// <summary>False once a release came after the read in flight started: it may be too old for a new acquire.</summary>
        public bool ReadJoinable { get; set; }

        public int ReadAttempts { get; set; }

        public List<ReadWaiter> ReadWaiters { get; } = [];

        public List<ReadWaiter> NextReadWaiters { get; } = [];

        public bool Writing { get; set; }

        public List<WriteWaiter> WriteWaiters { get; } = [];

        public List<WriteWaiter> NextWriteWaiters { get; } = [];

        public long Generation { get; private set; }

        public long SavedGeneration { get; set; }

        public bool Dirty => Generation != SavedGeneration;

        public void Changed() => Generation++;
    }

    /// <summary>An acquire (<paramref name="Get"/> null) or a request for a position, waiting for a read of the shard.</summary>
    private sealed record ReadWaiter(IActorRef ReplyTo, ContainerRef Container, StreamKey? Get);

    private abstract class WriteWaiter;

    private sealed class ReleaseWaiter(IActorRef replyTo, ContainerRef container, DateTimeOffset deadline) : WriteWaiter
    {
        public IActorRef ReplyTo { get; } = replyTo;

        public ContainerRef Container { get; } = container;

        public DateTimeOffset Deadline { get; } = deadline;
    }

    /// <summary>A flush, answered once every shard it waits for was written (or failed).</summary>
    private sealed class FlushWaiter(IActorRef replyTo, int shards) : WriteWaiter
    {
        private int _remaining = shards;
        private Exception? _error;

        public void Done(Exception? error)
        {
            _error ??= error;
            if (--_remaining == 0)
            {
                replyTo.Tell(new PositionsKeeper.Flushed(_error is null, _error));
            }
        }
    }

    private sealed record ReadShard(int Shard);

    private sealed record ShardRead(PositionsShard Positions);

    private sealed record ShardReadFailed(int Shard, Exception Error);

    private sealed record WriteShard(int Shard);

    private sealed record ShardWritten(PositionsShard Positions, long Generation);

    private sealed record ShardWriteFailed(int Shard, Exception Error);
}
