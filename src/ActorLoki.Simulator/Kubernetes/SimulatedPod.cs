namespace ActorLoki.Simulator.Kubernetes;

internal enum ContainerStateKind
{
    Waiting,
    Running,
    Terminated,
}

/// <summary>One run of a container; its number is the pod's restartCount at the time.</summary>
internal sealed class ContainerInstance(int restartCount, string containerId, DateTimeOffset startedAt, ContainerLog log)
{
    public int RestartCount { get; } = restartCount;

    public string ContainerId { get; } = containerId;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public DateTimeOffset? FinishedAt { get; set; }

    public int ExitCode { get; set; }

    public string? Reason { get; set; }

    public ContainerLog Log { get; } = log;
}

/// <summary>A container of a simulated pod: its instances (the current one last) and its state. Guarded by the cluster's lock.</summary>
internal sealed class SimulatedContainer(string name, bool isInit, string image)
{
    public IReadOnlyList<SimulatedContainerPort> Ports { get; init; } = [];

    public string Name { get; } = name;

    public bool IsInit { get; } = isInit;

    public string Image { get; } = image;

    public List<ContainerInstance> Instances { get; } = [];

    public ContainerStateKind State { get; set; } = ContainerStateKind.Waiting;

    public string WaitingReason { get; set; } = "ContainerCreating";

    public ContainerInstance? Current => Instances.Count > 0 ? Instances[^1] : null;

    /// <summary>
    /// <c>lastState.terminated</c>: the instance before the current one, or the current one while the container
    /// waits to restart. <c>previous=true</c> serves it.
    /// </summary>
    public ContainerInstance? LastTerminated => State == ContainerStateKind.Waiting ? Current : (Instances.Count > 1 ? Instances[^2] : null);
}

/// <summary>A pod's live state in the simulator. Guarded by the cluster's lock; every change is published as a new <see cref="PodSnapshot"/>.</summary>
internal sealed class SimulatedPod(string @namespace, string name, string uid, DateTimeOffset created)
{
    public string Namespace { get; } = @namespace;

    public string Name { get; } = name;

    public string Uid { get; } = uid;

    public DateTimeOffset Created { get; } = created;

    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Annotations { get; } = new(StringComparer.Ordinal);

    public string NodeName { get; set; } = "node-1";

    public string? PodIp { get; set; }

    /// <summary>The IP the pod gets when it starts (a pending pod has none); null: the next of the simulator's.</summary>
    public string? IpOnStart { get; init; }

    public DateTimeOffset? StartTime { get; set; }

    public DateTimeOffset? DeletionTimestamp { get; set; }

    public (string Kind, string Name)? Owner { get; set; }

    public string OwnerUid { get; } = Guid.NewGuid().ToString();

    public List<SimulatedContainer> InitContainers { get; } = [];

    public List<SimulatedContainer> Containers { get; } = [];

    public IEnumerable<SimulatedContainer> AllContainers => InitContainers.Concat(Containers);

    public SimulatedContainer? Find(string container) => AllContainers.FirstOrDefault(c => c.Name == container);

    public string Phase
    {
        get
        {
            if (InitContainers.Any(c => c.State == ContainerStateKind.Terminated && c.Current?.ExitCode != 0))
            {
                return "Failed";
            }

            if (InitContainers.Any(c => c.State != ContainerStateKind.Terminated))
            {
                return "Pending";
            }

            if (Containers.Any(c => c.State == ContainerStateKind.Running))
            {
                return "Running";
            }

            if (Containers.All(c => c.State == ContainerStateKind.Terminated))
            {
                return Containers.All(c => c.Current?.ExitCode == 0) ? "Succeeded" : "Failed";
            }

            return "Pending";
        }
    }
}
