namespace ActorLoki.Simulator.Kubernetes;

/// <summary>A pod to create in the simulated namespace.</summary>
public sealed record PodSpecification(string Name)
{
    /// <summary>Null: the simulator's default namespace.</summary>
    public string? Namespace { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Containers { get; init; } = ["app"];

    public IReadOnlyList<string> InitContainers { get; init; } = [];

    public string NodeName { get; init; } = "node-1";

    public string Image { get; init; } = "registry.example/app:1.0";

    /// <summary>True: the pod starts Running (init containers already completed). False: it stays Pending until started.</summary>
    public bool Start { get; init; } = true;

    /// <summary>Owner kind (ReplicaSet, StatefulSet, Job) and name, for ownerReferences; null for a bare pod.</summary>
    public (string Kind, string Name)? Owner { get; init; }
}
