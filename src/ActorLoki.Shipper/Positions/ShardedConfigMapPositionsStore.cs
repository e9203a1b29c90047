using System.Globalization;
using ActorLoki.Kubernetes;
using ActorLoki.Shipper.Cluster;
using k8s.Models;

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// Positions of a scaled-out deployment: one ConfigMap per shard (<c>{baseName}-{shard}</c>), each holding the
/// same document as the single-replica store for the streams of that shard (<see cref="StreamShards.ShardOf(string, string, int)"/>).
/// A shard is written only by the node that owns its streams, but ownership moves, so every write is a
/// read-modify-write on the resourceVersion: the caller's merge decides which entries it owns, every other
/// entry comes from the freshest read, and a conflict reads again and merges again.
/// </summary>
/// <remarks>
/// It holds no state: the keeper remembers what it last read or wrote (<see cref="PositionsShard"/>) and hands it
/// back, so reads and writes of different shards can run at once. A shard that does not exist yet is seeded
/// from the single-replica ConfigMap <c>{baseName}</c> when there is one, so turning scale-out on resumes where
/// the single replica was instead of reading up to <c>tail.max-lookback</c> of every log again.
/// </remarks>
public sealed class ShardedConfigMapPositionsStore
{
    /// <summary>The label naming the shard of a positions ConfigMap.</summary>
    public const string ShardLabel = "actorloki.io/positions-shard";

    private const int MaxShards = 1000;

    private readonly PositionsConfigMap[] _shards;
    private readonly PositionsConfigMap _legacy;

    public ShardedConfigMapPositionsStore(KubernetesClient client, string @namespace, string baseName, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shardCount, MaxShards);
        ShardCount = shardCount;
        var format = shardCount <= 100 ? "D2" : "D3";
        _shards = new PositionsConfigMap[shardCount];
        for (var shard = 0; shard < shardCount; shard++)
        {
            var labels = new Dictionary<string, string>(ConfigMapPositionsStore.Labels) { [ShardLabel] = shard.ToString(CultureInfo.InvariantCulture) };
            _shards[shard] = new PositionsConfigMap(
                client,
                @namespace,
                $"{baseName}-{shard.ToString(format, CultureInfo.InvariantCulture)}",
                labels,
                $"{shardCount} shards are too few for this many containers: raise the shard count (it moves every stream to another ConfigMap once)");
        }

        _legacy = new PositionsConfigMap(client, @namespace, baseName, ConfigMapPositionsStore.Labels, string.Empty);
    }

    public int ShardCount { get; }

    /// <summary>The ConfigMap name of a shard.</summary>
    public string NameOf(int shard) => _shards[shard].Name;

    /// <summary>e.g. <c>configmap dev1/actorloki-positions-07</c>.</summary>
    public string Describe(int shard) => _shards[shard].Description;

    public int ShardOf(string podUid, string container) => StreamShards.ShardOf(podUid, container, ShardCount);

    /// <summary>
    /// Reads a shard afresh. A shard whose ConfigMap does not exist is seeded from the single-replica ConfigMap's
    /// entries of that shard (<see cref="PositionsShard.MigratedFrom"/>); corrupt content is returned empty with
    /// <see cref="PositionsShard.Corrupt"/> set, to be overwritten by the next write. Transport and API errors throw.
    /// </summary>
    public async Task<PositionsShard> ReadAsync(int shard, CancellationToken cancellationToken)
    {
        var configMap = await _shards[shard].GetAsync(cancellationToken).ConfigureAwait(false);
        if (configMap is not null)
        {
            var positions = ReadOrSetAside(_shards[shard], configMap, out var corrupt);
            return new PositionsShard(shard, positions, configMap.Metadata?.ResourceVersion, corrupt);
        }

        var legacy = await _legacy.GetAsync(cancellationToken).ConfigureAwait(false);
        if (legacy is null)
        {
            return new PositionsShard(shard, [], null);
        }

        var old = ReadOrSetAside(_legacy, legacy, out var legacyCorrupt);
        return new PositionsShard(shard, [.. old.Where(p => ShardOf(p.Key.PodUid, p.Key.Container) == shard)], null, legacyCorrupt, _legacy.Name);
    }

    /// <summary>
    /// Writes a shard: <paramref name="merge"/> turns the freshest content known (first <paramref name="basis"/>,
    /// after a conflict what was read again) into what to write. One request when <paramref name="basis"/> is
    /// still current. Returns what was written, with its new resourceVersion; throws when the document does not
    /// fit in a ConfigMap or the API keeps refusing.
    /// </summary>
    public async Task<PositionsShard> WriteAsync(PositionsShard basis, Func<IReadOnlyList<SavedPosition>, IReadOnlyList<SavedPosition>> merge, CancellationToken cancellationToken)
    {
        var configMap = _shards[basis.Shard];
        var written = merge(basis.Positions);
        var corrupt = basis.Corrupt;
        var result = await configMap.WriteAsync(
            written,
            basis.ResourceVersion,
            current =>
            {
                written = merge(current is null ? [] : ReadOrSetAside(configMap, current, out corrupt));
                return written;
            },
            cancellationToken).ConfigureAwait(false);
        return new PositionsShard(basis.Shard, written, result.Metadata?.ResourceVersion, corrupt);
    }

    private static IReadOnlyList<SavedPosition> ReadOrSetAside(PositionsConfigMap store, V1ConfigMap configMap, out FormatException? corrupt)
    {
        try
        {
            corrupt = null;
            return store.Read(configMap);
        }
        catch (FormatException e)
        {
            // Retrying cannot fix it: start from nothing for this shard and let the next write overwrite it.
            corrupt = e;
            return [];
        }
    }
}

/// <summary>
/// A shard's positions as last read or written, with the resourceVersion to write it on (null: it does not exist).
/// </summary>
/// <param name="Corrupt">Set when its stored content could not be parsed and was set aside.</param>
/// <param name="MigratedFrom">The single-replica ConfigMap its positions were seeded from, when the shard did not exist yet.</param>
public sealed record PositionsShard(int Shard, IReadOnlyList<SavedPosition> Positions, string? ResourceVersion, FormatException? Corrupt = null, string? MigratedFrom = null);
