using System.Globalization;
using ActorLoki.Shipper.Cluster;

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// Sharded positions in memory, shared by the nodes of one process (the demo's replicas, tests): each shard has a
/// version that every write moves on, and a write on an older version merges over the newer content, as a
/// ConfigMap's resourceVersion makes it. Lost when the process ends.
/// </summary>
public sealed class MemoryShardedPositionsStore : IShardedPositionsStore
{
    private readonly Lock _lock = new();
    private readonly (IReadOnlyList<SavedPosition> Positions, long Version)[] _shards;

    public MemoryShardedPositionsStore(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        _shards = [.. Enumerable.Repeat<(IReadOnlyList<SavedPosition>, long)>(([], 0), shardCount)];
    }

    public int ShardCount => _shards.Length;

    /// <summary>How many writes changed a shard's content.</summary>
    public int Writes { get; private set; }

    /// <summary>Every stored position, of every shard.</summary>
    public IReadOnlyList<SavedPosition> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _shards.SelectMany(s => s.Positions)];
            }
        }
    }

    public int ShardOf(string podUid, string container) => StreamShards.ShardOf(podUid, container, ShardCount);

    public string Describe(int shard) => $"memory shard {shard.ToString(CultureInfo.InvariantCulture)}";

    public Task<PositionsShard> ReadAsync(int shard, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var (positions, version) = _shards[shard];
            return Task.FromResult(new PositionsShard(shard, positions, Version(version)));
        }
    }

    public Task<PositionsShard> WriteAsync(PositionsShard basis, Func<IReadOnlyList<SavedPosition>, IReadOnlyList<SavedPosition>> merge, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var (current, version) = _shards[basis.Shard];
            var written = merge(basis.ResourceVersion == Version(version) ? basis.Positions : current);
            _shards[basis.Shard] = ([.. written], version + 1);
            Writes++;
            return Task.FromResult(new PositionsShard(basis.Shard, written, Version(version + 1)));
        }
    }

    private static string? Version(long version) => version == 0 ? null : version.ToString(CultureInfo.InvariantCulture);
}
