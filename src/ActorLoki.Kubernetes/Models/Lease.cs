using System.Text.Json.Serialization;

namespace ActorLoki.Kubernetes.Models;

/// <summary>A <c>coordination.k8s.io/v1</c> Lease: membership and leader election for scale-out.</summary>
public sealed class Lease : IKubernetesObject
{
    public string? ApiVersion { get; set; } = "coordination.k8s.io/v1";

    public string? Kind { get; set; } = "Lease";

    public ObjectMeta? Metadata { get; set; }

    public LeaseSpec? Spec { get; set; }
}

public sealed class LeaseSpec
{
    public string? HolderIdentity { get; set; }

    public int? LeaseDurationSeconds { get; set; }

    /// <summary>A MicroTime on the wire (RFC3339 with exactly six fractional digits).</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    public int? LeaseTransitions { get; set; }
}

public sealed class LeaseList
{
    public ListMeta? Metadata { get; set; }

    public List<Lease>? Items { get; set; }
}
