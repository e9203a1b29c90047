using ActorLoki.Kubernetes.Models;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// A message that may cross nodes: bound to <see cref="ClusterMessageSerializer"/> in the rendered configuration,
/// so none of them is ever written by Akka's default (Newtonsoft) serializer.
/// </summary>
public interface IClusterMessage;

/// <summary>A message for the entity of one container stream: the message extractor routes it by pod UID and container.</summary>
public interface IStreamMessage : IClusterMessage
{
    string PodUid { get; }

    string Container { get; }
}

/// <summary>
/// From the coordinator, every <c>ensure-interval</c> and when a node is removed: this stream must be followed.
/// Only ids and the pod's resourceVersion travel; an entity that has no pod, or an older one, asks with
/// <see cref="NeedPod"/>. Delivering it is what (re)creates an entity whose node was lost.
/// </summary>
public sealed record EnsureStream(string PodUid, string Container, string? ResourceVersion) : IStreamMessage;

/// <summary>From the coordinator: the pod of the stream as it is now (on a pod event, or answering <see cref="NeedPod"/>).</summary>
public sealed record StreamPod(string PodUid, string Container, Pod Pod) : IStreamMessage;

/// <summary>From the coordinator: the pod was deleted (its last state): read what is left, then let go for good.</summary>
public sealed record StreamPodDeleted(string PodUid, string Container, Pod Pod) : IStreamMessage;

/// <summary>From the coordinator: this stream is no longer to be followed (excluded since, or its pod is gone).</summary>
public sealed record StreamNotWanted(string PodUid, string Container) : IStreamMessage;

/// <summary>From an entity to the coordinator: send me my pod (<see cref="StreamPod"/>), or <see cref="StreamNotWanted"/>.</summary>
public sealed record NeedPod(string PodUid, string Container) : IClusterMessage;

/// <summary>
/// Sharding's hand-off stop message: the entity's shard moves to another node. The entity stops reading,
/// has its node's batcher push what it holds of the stream, saves the acknowledged position and stops.
/// </summary>
public sealed record HandOff : IClusterMessage
{
    public static readonly HandOff Instance = new();
}
