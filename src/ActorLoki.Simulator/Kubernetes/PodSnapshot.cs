using System.Text.Json;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>A pod as the API server returns it at one resourceVersion.</summary>
internal sealed class PodSnapshot : StoredObject
{
    private readonly Dictionary<string, string> _labels;
    private readonly Dictionary<string, string> _annotations;
    private readonly string _nodeName;
    private readonly string? _podIp;
    private readonly DateTimeOffset? _startTime;
    private readonly DateTimeOffset? _deletionTimestamp;
    private readonly (string Kind, string Name)? _owner;
    private readonly string _ownerUid;
    private readonly string _phase;
    private readonly ContainerView[] _initContainers;
    private readonly ContainerView[] _containers;

    public PodSnapshot(SimulatedPod pod, long resourceVersion)
        : base(ResourceType.Pods, pod.Namespace, pod.Name, pod.Uid, resourceVersion, pod.Created)
    {
        _labels = new Dictionary<string, string>(pod.Labels, StringComparer.Ordinal);
        _annotations = new Dictionary<string, string>(pod.Annotations, StringComparer.Ordinal);
        _nodeName = pod.NodeName;
        _podIp = pod.PodIp;
        _startTime = pod.StartTime;
        _deletionTimestamp = pod.DeletionTimestamp;
        _owner = pod.Owner;
        _ownerUid = pod.OwnerUid;
        _phase = pod.Phase;
        _initContainers = [.. pod.InitContainers.Select(ContainerView.Of)];
        _containers = [.. pod.Containers.Select(ContainerView.Of)];
    }

    public override IReadOnlyDictionary<string, string> Labels => _labels;

    public override string? Field(string path) => path switch
    {
        "spec.nodeName" => _nodeName,
        "spec.restartPolicy" => "Always",
        "spec.serviceAccountName" => "default",
        "status.phase" => _phase,
        "status.podIP" => _podIp ?? string.Empty,
        _ => base.Field(path),
    };

    public override void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "Pod");
        writer.WriteString("apiVersion", "v1");
        WriteMetadata(writer, _annotations, _deletionTimestamp, WriteOwner);
        writer.WriteStartObject("spec");
        WriteContainerSpecs(writer, "initContainers", _initContainers);
        WriteContainerSpecs(writer, "containers", _containers);
        writer.WriteString("restartPolicy", "Always");
        writer.WriteNumber("terminationGracePeriodSeconds", 30);
        writer.WriteString("dnsPolicy", "ClusterFirst");
        writer.WriteString("serviceAccountName", "default");
        writer.WriteString("nodeName", _nodeName);
        writer.WriteString("schedulerName", "default-scheduler");
        writer.WriteEndObject();

        writer.WriteStartObject("status");
        writer.WriteString("phase", _phase);
        WriteConditions(writer);
        writer.WriteString("hostIP", "10.0.0.10");
        if (_podIp is not null)
        {
            writer.WriteString("podIP", _podIp);
            writer.WriteStartArray("podIPs");
            writer.WriteStartObject();
            writer.WriteString("ip", _podIp);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        if (_startTime is { } start)
        {
            writer.WriteString("startTime", KubeletTime.Rfc3339(start));
        }

        WriteStatuses(writer, "initContainerStatuses", _initContainers);
        WriteStatuses(writer, "containerStatuses", _containers);
        writer.WriteString("qosClass", "BestEffort");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteColumns(Utf8JsonWriter writer)
    {
        WriteColumn(writer, "Name", "string", "name", "Name must be unique within a namespace.", 0);
        WriteColumn(writer, "Ready", "string", string.Empty, "The aggregate readiness state of this pod for accepting traffic.", 0);
        WriteColumn(writer, "Status", "string", string.Empty, "The aggregate status of the containers in this pod.", 0);
        WriteColumn(writer, "Restarts", "string", string.Empty, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0);
        WriteColumn(writer, "Age", "string", string.Empty, "CreationTimestamp is a timestamp representing the server time when this object was created.", 0);
        WriteColumn(writer, "IP", "string", string.Empty, "IP address allocated to the pod. Routable at least within the cluster.", 1);
        WriteColumn(writer, "Node", "string", string.Empty, "NodeName is a request to schedule this pod onto a specific node.", 1);
        WriteColumn(writer, "Nominated Node", "string", string.Empty, "nominatedNodeName is set when this pod preempts other pods on the node.", 1);
        WriteColumn(writer, "Readiness Gates", "string", string.Empty, "If specified, all readiness gates will be evaluated for pod readiness.", 1);
    }

    public override void WriteCells(Utf8JsonWriter writer, DateTimeOffset now)
    {
        writer.WriteStringValue(Name);
        writer.WriteStringValue($"{_containers.Count(c => c.Ready)}/{_containers.Length}");
        writer.WriteStringValue(DisplayStatus());
        writer.WriteStringValue(_containers.Sum(c => c.RestartCount).ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteStringValue(KubeletTime.Age(now - CreationTimestamp));
        writer.WriteStringValue(_podIp ?? "<none>");
        writer.WriteStringValue(_nodeName);
        writer.WriteStringValue("<none>");
        writer.WriteStringValue("<none>");
    }

    /// <summary>The STATUS column, after kubectl's printer: Terminating, Init:N/M, a waiting reason, Completed, Error, or the phase.</summary>
    private string DisplayStatus()
    {
        if (_deletionTimestamp is not null)
        {
            return "Terminating";
        }

        for (var i = 0; i < _initContainers.Length; i++)
        {
            var init = _initContainers[i];
            if (init.State == ContainerStateKind.Terminated && init.ExitCode == 0)
            {
                continue;
            }

            return init.State == ContainerStateKind.Terminated ? $"Init:{init.Reason ?? "Error"}" : $"Init:{i}/{_initContainers.Length}";
        }

        foreach (var container in _containers)
        {
            if (container.State == ContainerStateKind.Waiting && container.WaitingReason is { } reason && reason != "ContainerCreating")
            {
                return reason;
            }
        }

        if (_phase == "Pending" && _containers.Any(c => c.State == ContainerStateKind.Waiting))
        {
            return "ContainerCreating";
        }

        if (_containers.All(c => c.State == ContainerStateKind.Terminated))
        {
            return _containers.All(c => c.ExitCode == 0) ? "Completed" : "Error";
        }

        return _phase;
    }

    private void WriteOwner(Utf8JsonWriter writer)
    {
        if (_owner is not { } owner)
        {
            return;
        }

        writer.WriteStartArray("ownerReferences");
        writer.WriteStartObject();
        writer.WriteString("apiVersion", owner.Kind == "Job" ? "batch/v1" : "apps/v1");
        writer.WriteString("kind", owner.Kind);
        writer.WriteString("name", owner.Name);
        writer.WriteString("uid", _ownerUid);
        writer.WriteBoolean("controller", true);
        writer.WriteBoolean("blockOwnerDeletion", true);
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private void WriteConditions(Utf8JsonWriter writer)
    {
        var initialized = _initContainers.All(c => c.State == ContainerStateKind.Terminated && c.ExitCode == 0);
        var ready = _containers.All(c => c.Ready);
        writer.WriteStartArray("conditions");
        WriteCondition(writer, "Initialized", initialized);
        WriteCondition(writer, "Ready", ready);
        WriteCondition(writer, "ContainersReady", ready);
        WriteCondition(writer, "PodScheduled", true);
        writer.WriteEndArray();
    }

    private void WriteCondition(Utf8JsonWriter writer, string type, bool status)
    {
        writer.WriteStartObject();
        writer.WriteString("type", type);
        writer.WriteString("status", status ? "True" : "False");
        writer.WriteString("lastTransitionTime", KubeletTime.Rfc3339(CreationTimestamp));
        writer.WriteEndObject();
    }

    private static void WriteContainerSpecs(Utf8JsonWriter writer, string name, ContainerView[] containers)
    {
        if (containers.Length == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var container in containers)
        {
            writer.WriteStartObject();
            writer.WriteString("name", container.Name);
            writer.WriteString("image", container.Image);
            if (container.Ports.Count > 0)
            {
                writer.WriteStartArray("ports");
                foreach (var port in container.Ports)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", port.Name);
                    writer.WriteNumber("containerPort", port.ContainerPort);
                    writer.WriteString("protocol", "TCP");
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteStartObject("resources");
            writer.WriteEndObject();
            writer.WriteString("terminationMessagePath", "/dev/termination-log");
            writer.WriteString("terminationMessagePolicy", "File");
            writer.WriteString("imagePullPolicy", "IfNotPresent");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteStatuses(Utf8JsonWriter writer, string name, ContainerView[] containers)
    {
        if (containers.Length == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var c in containers)
        {
            writer.WriteStartObject();
            writer.WriteString("name", c.Name);
            writer.WriteStartObject("state");
            switch (c.State)
            {
                case ContainerStateKind.Running:
                    writer.WriteStartObject("running");
                    writer.WriteString("startedAt", KubeletTime.Rfc3339(c.StartedAt!.Value));
                    writer.WriteEndObject();
                    break;
                case ContainerStateKind.Terminated:
                    WriteTerminated(writer, c.ExitCode, c.Reason, c.StartedAt, c.FinishedAt, c.ContainerId);
                    break;
                default:
                    writer.WriteStartObject("waiting");
                    writer.WriteString("reason", c.WaitingReason);
                    writer.WriteEndObject();
                    break;
            }

            writer.WriteEndObject();
            writer.WriteStartObject("lastState");
            if (c.Last is { } last)
            {
                WriteTerminated(writer, last.ExitCode, last.Reason, last.StartedAt, last.FinishedAt, last.ContainerId);
            }

            writer.WriteEndObject();
            writer.WriteBoolean("ready", c.Ready);
            writer.WriteNumber("restartCount", c.RestartCount);
            writer.WriteString("image", c.Image);
            writer.WriteString("imageID", c.Image + "@sha256:" + new string('0', 64));
            // The kubelet keeps the newest instance's ID while it waits in back-off after dying.
            if (c.ContainerId is not null)
            {
                writer.WriteString("containerID", c.ContainerId);
            }

            writer.WriteBoolean("started", c.State == ContainerStateKind.Running);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteTerminated(Utf8JsonWriter writer, int exitCode, string? reason, DateTimeOffset? startedAt, DateTimeOffset? finishedAt, string? containerId)
    {
        writer.WriteStartObject("terminated");
        writer.WriteNumber("exitCode", exitCode);
        writer.WriteString("reason", reason ?? (exitCode == 0 ? "Completed" : "Error"));
        if (startedAt is { } started)
        {
            writer.WriteString("startedAt", KubeletTime.Rfc3339(started));
        }

        if (finishedAt is { } finished)
        {
            writer.WriteString("finishedAt", KubeletTime.Rfc3339(finished));
        }

        if (containerId is not null)
        {
            writer.WriteString("containerID", containerId);
        }

        writer.WriteEndObject();
    }

    private sealed record TerminatedView(int ExitCode, string? Reason, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string ContainerId);

    private sealed record ContainerView(
        string Name,
        string Image,
        IReadOnlyList<SimulatedContainerPort> Ports,
        ContainerStateKind State,
        string WaitingReason,
        int RestartCount,
        string? ContainerId,
        DateTimeOffset? StartedAt,
        DateTimeOffset? FinishedAt,
        int ExitCode,
        string? Reason,
        bool Ready,
        TerminatedView? Last)
    {
        public static ContainerView Of(SimulatedContainer c)
        {
            var current = c.Current;
            var last = c.LastTerminated is { } l ? new TerminatedView(l.ExitCode, l.Reason, l.StartedAt, l.FinishedAt, l.ContainerId) : null;
            return new ContainerView(
                c.Name,
                c.Image,
                c.Ports,
                c.State,
                c.WaitingReason,
                // As the kubelet reports it: the number of the newest instance, also while it waits in
                // back-off after dying (its containerID and lastState then name that dead instance).
                Math.Max(0, c.Instances.Count - 1),
                current?.ContainerId,
                current?.StartedAt,
                current?.FinishedAt,
                current?.ExitCode ?? 0,
                current?.Reason,
                c.State == ContainerStateKind.Running && !c.IsInit,
                last);
        }
    }
}
