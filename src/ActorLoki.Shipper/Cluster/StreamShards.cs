using System.Text;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// How container streams are spread over the shards of a scaled-out deployment: the one function that the
/// shard region (which node follows a stream) and the positions store (which ConfigMap holds its position)
/// both use, so a stream's position always lives in the ConfigMap of the shard that follows it.
/// </summary>
/// <remarks>
/// The entity is a container of a pod, not one of its instances: the node that follows a container also
/// drains its previous instance after a restart. The hash is FNV-1a over UTF-8, stable across processes and
/// .NET versions (unlike <see cref="string.GetHashCode()"/>), because every replica must agree on it and the
/// stored positions outlive any one process. The shard count is fixed for a deployment's life: changing it
/// moves streams to other ConfigMaps.
/// </remarks>
public static class StreamShards
{
    /// <summary>The sharding entity id of a pod's container: <c>{podUid}/{container}</c>.</summary>
    public static string EntityId(string podUid, string container) => $"{podUid}/{container}";

    /// <summary>The shard (0 to <paramref name="shardCount"/> − 1) of a pod's container.</summary>
    public static int ShardOf(string podUid, string container, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return (int)(Hash(EntityId(podUid, container)) % (uint)shardCount);
    }

    /// <summary>The shard of an entity id made by <see cref="EntityId"/>.</summary>
    public static int ShardOf(string entityId, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return (int)(Hash(entityId) % (uint)shardCount);
    }

    private static uint Hash(string value)
    {
        const uint offset = 2166136261;
        const uint prime = 16777619;
        Span<byte> buffer = value.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(value.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
        var length = Encoding.UTF8.GetBytes(value, buffer);
        var hash = offset;
        foreach (var b in buffer[..length])
        {
            hash = (hash ^ b) * prime;
        }

        return hash;
    }
}
