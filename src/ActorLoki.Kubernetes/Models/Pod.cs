using k8s.Models;

namespace ActorLoki.Kubernetes.Models;

/// <summary>
/// A pod, reduced to what a log shipper reads: identity, containers and their statuses. The actors hold this for
/// the life of a tail, never the package's <see cref="V1Pod"/> (about 15 KB with managed fields, spec and
/// conditions, against about 3 KB here): <see cref="From"/> copies the references it keeps and lets the rest go.
/// </summary>
public sealed class Pod : IKubernetesObject
{
    /// <summary>The trimmed copy of <paramref name="pod"/> (strings are shared, not copied).</summary>
    public static Pod From(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return new Pod
        {
            ApiVersion = pod.ApiVersion,
            Kind = pod.Kind,
            Metadata = ObjectMeta.From(pod.Metadata),
            Spec = pod.Spec is { } spec
                ? new PodSpec { Containers = Containers(spec.Containers), InitContainers = Containers(spec.InitContainers), NodeName = spec.NodeName }
                : null,
            Status = pod.Status is { } status
                ? new PodStatus
                {
                    Phase = status.Phase,
                    PodIP = status.PodIP,
                    StartTime = KubernetesTime.Utc(status.StartTime),
                    ContainerStatuses = Statuses(status.ContainerStatuses),
                    InitContainerStatuses = Statuses(status.InitContainerStatuses),
                }
                : null,
        };
    }

    private static List<Container>? Containers(IList<V1Container>? containers) =>
        containers?.Select(c => new Container
        {
            Name = c.Name,
            Image = c.Image,
            Ports = c.Ports is { Count: > 0 } ports ? ports.Select(p => new ContainerPort { Name = p.Name, Number = p.ContainerPort }).ToList() : null,
        }).ToList();

    private static List<ContainerStatus>? Statuses(IList<V1ContainerStatus>? statuses) =>
        statuses?.Select(s => new ContainerStatus
        {
            Name = s.Name,
            RestartCount = s.RestartCount,
            ContainerID = s.ContainerID,
            Ready = s.Ready,
            Started = s.Started,
            State = ContainerState.From(s.State),
            LastState = ContainerState.From(s.LastState),
        }).ToList();

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

    /// <summary>The ports it declares (a scaled-out ActorLoki finds its replicas' management port by name).</summary>
    public List<ContainerPort>? Ports { get; set; }
}

public sealed class ContainerPort
{
    public string? Name { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("containerPort")]
    public int Number { get; set; }
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
    internal static ContainerState? From(V1ContainerState? state) => state is null ? null : new ContainerState
    {
        Running = state.Running is { } running ? new ContainerStateRunning { StartedAt = KubernetesTime.Utc(running.StartedAt) } : null,
        Terminated = state.Terminated is { } terminated
            ? new ContainerStateTerminated
            {
                ExitCode = terminated.ExitCode,
                Reason = terminated.Reason,
                StartedAt = KubernetesTime.Utc(terminated.StartedAt),
                FinishedAt = KubernetesTime.Utc(terminated.FinishedAt),
                ContainerID = terminated.ContainerID,
            }
            : null,
        Waiting = state.Waiting is { } waiting ? new ContainerStateWaiting { Reason = waiting.Reason, Message = waiting.Message } : null,
    };

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
