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

    /// <summary>The pod IP it gets when it starts; null: one from the simulator's 10.244.0.0/16.</summary>
    public string? PodIp { get; init; }

    /// <summary>Container ports (<c>spec.containers[].ports</c>), by container name; containers not named declare none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<SimulatedContainerPort>> Ports { get; init; } = new Dictionary<string, IReadOnlyList<SimulatedContainerPort>>();

    /// <summary>Owner kind (ReplicaSet, StatefulSet, Job) and name, for ownerReferences; null for a bare pod.</summary>
    public (string Kind, string Name)? Owner { get; init; }
}

/// <summary>A container port as a pod spec declares it: <c>{ name, containerPort, protocol: TCP }</c>.</summary>
public sealed record SimulatedContainerPort(string Name, int ContainerPort);
