namespace ActorLoki.Shipper.Positions;

/// <summary>
/// Where the replicas of a scaled-out deployment keep their positions: one document per shard, read afresh and
/// written by read-modify-write, so that replicas writing different streams of one shard never lose each
/// other's entries. The ConfigMaps of the namespace in production (<see cref="ShardedConfigMapPositionsStore"/>);
/// memory shared by the nodes of one process for the demo and tests (<see cref="MemoryShardedPositionsStore"/>).
/// </summary>
public interface IShardedPositionsStore
{
    int ShardCount { get; }

    /// <summary>The shard holding a container's positions.</summary>
    int ShardOf(string podUid, string container);

    /// <summary>A shard, for logs (e.g. <c>configmap dev1/actorloki-positions-07</c>).</summary>
    string Describe(int shard);

    /// <summary>Reads a shard afresh; transport and API errors throw.</summary>
    Task<PositionsShard> ReadAsync(int shard, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a shard: <paramref name="merge"/> turns the freshest content (first <paramref name="basis"/>, after a
    /// conflict what was read again) into what to write. Returns what was written, with its new version.
    /// </summary>
    Task<PositionsShard> WriteAsync(PositionsShard basis, Func<IReadOnlyList<SavedPosition>, IReadOnlyList<SavedPosition>> merge, CancellationToken cancellationToken);
}
