using System.Text.Json;

namespace ActorLoki.Kubernetes.Models;

/// <summary>
/// A <see cref="Pod"/> as the JSON ActorLoki reads it in, with the same source-generated serializer: how a
/// scaled-out shipper passes a pod from the node that watches pods to the node that follows its containers.
/// </summary>
public static class PodJson
{
    public static byte[] Serialize(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return JsonSerializer.SerializeToUtf8Bytes(pod, KubernetesJsonContext.Default.Pod);
    }

    public static Pod Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.Pod) ?? throw new JsonException("a pod serialized as null");
}
