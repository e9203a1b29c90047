namespace ActorLoki.Kubernetes.Models;

/// <summary>A pod, reduced to what a log shipper reads: identity, containers and their statuses.</summary>
public sealed class Pod : IKubernetesObject
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public PodSpec? Spec { get; set; }

    public PodStatus? Status { get; set; }
}

public sealed class PodSpec
{
    public List<Container>? Containers { get; set; }

    public List<Container>? InitContainers { get; set; }

    public string? NodeName { get; set; }
}

public sealed class Container
{
    public string? Name { get; set; }

    public string? Image { get; set; }
}

public sealed class PodStatus
{
    /// <summary>Pending, Running, Succeeded, Failed or Unknown.</summary>
    public string? Phase { get; set; }

    public string? PodIP { get; set; }

    public DateTimeOffset? StartTime { get; set; }

    public List<ContainerStatus>? ContainerStatuses { get; set; }

    public List<ContainerStatus>? InitContainerStatuses { get; set; }
}

public sealed class ContainerStatus
{
    public string? Name { get; set; }

    /// <summary>How many times the container restarted: the instance number of the current state.</summary>
    public int RestartCount { get; set; }

    public string? ContainerID { get; set; }

    public bool Ready { get; set; }

    public bool? Started { get; set; }

    public ContainerState? State { get; set; }

    public ContainerState? LastState { get; set; }
}

/// <summary>At most one of the three members is set.</summary>
public sealed class ContainerState
{
    public ContainerStateRunning? Running { get; set; }

    public ContainerStateTerminated? Terminated { get; set; }

    public ContainerStateWaiting? Waiting { get; set; }
}

public sealed class ContainerStateRunning
{
    public DateTimeOffset? StartedAt { get; set; }
}

public sealed class ContainerStateTerminated
{
    public int ExitCode { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public string? ContainerID { get; set; }
}

public sealed class ContainerStateWaiting
{
    public string? Reason { get; set; }

    public string? Message { get; set; }
}

public sealed class PodList
{
    public ListMeta? Metadata { get; set; }

    public List<Pod>? Items { get; set; }
}
