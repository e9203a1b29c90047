using System.Text.Json.Serialization;

namespace ActorLoki.Kubernetes.Models;

/// <summary>
/// Source-generated JSON for every type the client reads or writes. Unknown fields are ignored (the
/// default), nulls are not written, names are camelCase as in the Kubernetes API.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(PodList))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(LeaseList))]
[JsonSerializable(typeof(WatchEventEnvelope))]
[JsonSerializable(typeof(ObjectMeta))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;
