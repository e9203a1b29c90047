using Akka.Cluster.Sharding;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// Routes stream messages to their entity (<see cref="StreamShards.EntityId"/>) in the shard
/// <see cref="StreamShards.ShardOf(string, int)"/> gives, the same function the positions store uses, so the node
/// that follows a stream is the one whose shard holds its position.
/// </summary>
public sealed class StreamMessageExtractor(int shards) : IMessageExtractor
{
    public string? EntityId(object message) => message switch
    {
        IStreamMessage m => StreamShards.EntityId(m.PodUid, m.Container),
        _ => null,
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => message switch
    {
        IStreamMessage m => StreamShards.ShardOf(m.PodUid, m.Container, shards).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    public string ShardId(string entityId, object? messageHint = null) =>
        StreamShards.ShardOf(entityId, shards).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
