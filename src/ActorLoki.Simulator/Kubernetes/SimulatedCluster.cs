using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>The identity of a simulated pod.</summary>
public sealed record PodInfo(string Namespace, string Name, string Uid, IReadOnlyList<string> Containers, IReadOnlyList<string> InitContainers);

/// <summary>What a watch sees of one change.</summary>
internal enum ChangeType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change in the history: the new version and, for a modification, the one before (for selector transitions).</summary>
internal readonly record struct HistoryEntry(long ResourceVersion, ChangeType Type, StoredObject Object, StoredObject? Previous, long At);

/// <summary>
/// The state of the simulated cluster: pods (with containers, instances and logs), ConfigMaps and Leases,
/// one resourceVersion counter for all of them (as etcd's revision), and the history of changes that
/// watches replay. The history keeps <see cref="KubernetesSimulatorOptions.HistoryWindow"/> of changes;
/// a watch from an older resourceVersion gets 410 Expired, as from a real API server after compaction.
/// Thread-safe: one lock for objects and history; each container log has its own lock for writes.
/// </summary>
public sealed class SimulatedCluster
{
    private readonly Lock _gate = new();
    private readonly KubernetesSimulatorOptions _options;
    private readonly Dictionary<(string Resource, string Namespace, string Name), StoredObject> _objects = [];
    private readonly Dictionary<(string Namespace, string Name), SimulatedPod> _pods = [];
    private readonly List<HistoryEntry> _history = [];
    private long _resourceVersion = 1000;
    private long _compactedBefore = 1000;
    private int _podIps;

    internal SimulatedCluster(KubernetesSimulatorOptions options)
    {
        _options = options;
        Ledger = new Ledger(options.LedgerKeepsLineBytes);
    }

    /// <summary>Every line ever written, and what became of it.</summary>
    public Ledger Ledger { get; }

    public TimeProvider Time => _options.TimeProvider;

    public string DefaultNamespace => _options.Namespace;

    /// <summary>The newest resourceVersion.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    internal AsyncSignal HistorySignal { get; } = new();

    internal KubernetesSimulatorOptions Options => _options;

    // ---- pods ----

    /// <summary>Creates a pod; Running at once unless <see cref="PodSpecification.Start"/> is false.</summary>
    public PodInfo CreatePod(PodSpecification spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var ns = spec.Namespace ?? DefaultNamespace;
        lock (_gate)
        {
            if (_pods.ContainsKey((ns, spec.Name)))
            {
                throw new InvalidOperationException($"Pod {ns}/{spec.Name} already exists.");
            }

            var pod = new SimulatedPod(ns, spec.Name, Guid.NewGuid().ToString(), Now()) { NodeName = spec.NodeName, Owner = spec.Owner, IpOnStart = spec.PodIp };
            foreach (var (k, v) in spec.Labels)
            {
                pod.Labels[k] = v;
            }

            foreach (var (k, v) in spec.Annotations)
            {
                pod.Annotations[k] = v;
            }

            foreach (var name in spec.InitContainers)
            {
                pod.InitContainers.Add(new SimulatedContainer(name, true, spec.Image) { WaitingReason = "PodInitializing" });
            }

            foreach (var name in spec.Containers)
            {
                pod.Containers.Add(new SimulatedContainer(name, false, spec.Image)
                {
                    WaitingReason = spec.InitContainers.Count > 0 ? "PodInitializing" : "ContainerCreating",
                    Ports = spec.Ports.TryGetValue(name, out var ports) ? ports : [],
                });
            }

            _pods[(ns, spec.Name)] = pod;
            if (spec.Start)
            {
                StartLocked(pod);
                while (pod.InitContainers.FirstOrDefault(c => c.State == ContainerStateKind.Running) is { } init)
                {
                    FinishInitLocked(pod, init, 0);
                }
            }

            Publish(ChangeType.Added, new PodSnapshot(pod, ++_resourceVersion));
            return Info(pod);
        }
    }

    /// <summary>Starts a Pending pod: its first init container runs, or its containers when it has none.</summary>
    public void StartPod(string @namespace, string name) => Change(@namespace, name, StartLocked);

    /// <summary>Ends the running init container; the next one starts, or the pod's containers when it was the last.</summary>
    public void CompleteInitContainer(string @namespace, string name, string container, int exitCode = 0) =>
        Change(@namespace, name, pod =>
        {
            var init = pod.InitContainers.FirstOrDefault(c => c.Name == container && c.State == ContainerStateKind.Running)
                ?? throw new InvalidOperationException($"Init container {container} of {@namespace}/{name} is not running.");
            FinishInitLocked(pod, init, exitCode);
        });

    /// <summary>
    /// The container's current instance exits with <paramref name="exitCode"/> and a new instance starts at once
    /// (or, with <paramref name="backOff"/>, the container waits in CrashLoopBackOff until <see cref="StartContainer"/>).
    /// </summary>
    public void RestartContainer(string @namespace, string name, string container, int exitCode = 1, bool backOff = false) =>
        Change(@namespace, name, pod =>
        {
            var c = Running(pod, container);
            EndInstance(c, exitCode, null);
            if (backOff)
            {
                c.State = ContainerStateKind.Waiting;
                c.WaitingReason = "CrashLoopBackOff";
            }
            else
            {
                NewInstance(pod, c);
            }
        });

    /// <summary>Starts a new instance of a container waiting in CrashLoopBackOff.</summary>
    public void StartContainer(string @namespace, string name, string container) =>
        Change(@namespace, name, pod =>
        {
            var c = pod.Find(container) ?? throw new InvalidOperationException($"Pod {@namespace}/{name} has no container {container}.");
            if (c.State != ContainerStateKind.Waiting)
            {
                throw new InvalidOperationException($"Container {container} of {@namespace}/{name} is not waiting.");
            }

            NewInstance(pod, c);
        });

    /// <summary>The container's instance exits for good (no restart), as a Job's container does.</summary>
    public void TerminateContainer(string @namespace, string name, string container, int exitCode = 0) =>
        Change(@namespace, name, pod =>
        {
            var c = Running(pod, container);
            EndInstance(c, exitCode, null);
            c.State = ContainerStateKind.Terminated;
        });

    /// <summary>Sets (or with null removes) a label of a pod.</summary>
    public void SetPodLabel(string @namespace, string name, string key, string? value) =>
        Change(@namespace, name, pod =>
        {
            if (value is null)
            {
                pod.Labels.Remove(key);
            }
            else
            {
                pod.Labels[key] = value;
            }
        });

    /// <summary>
    /// Deletes a pod: it is first marked terminating (its containers stop), then removed with its logs; open
    /// log follows end, and lines nobody read are marked deleted in the ledger.
    /// </summary>
    public void DeletePod(string @namespace, string name)
    {
        lock (_gate)
        {
            var pod = GetPod(@namespace, name);
            var previous = _objects[(ResourceType.Pods.Name, @namespace, name)];
            pod.DeletionTimestamp = Now();
            foreach (var c in pod.AllContainers.Where(c => c.State == ContainerStateKind.Running))
            {
                EndInstance(c, 0, "Completed");
                c.State = ContainerStateKind.Terminated;
            }

            var terminating = new PodSnapshot(pod, ++_resourceVersion);
            Publish(ChangeType.Modified, terminating, previous);
            foreach (var instance in pod.AllContainers.SelectMany(c => c.Instances))
            {
                instance.Log.Remove(LogFileFate.PodDeleted);
            }

            _pods.Remove((@namespace, name));
            Publish(ChangeType.Deleted, new PodSnapshot(pod, ++_resourceVersion), terminating);
        }
    }

    /// <summary>The pods of a namespace.</summary>
    public IReadOnlyList<PodInfo> Pods(string? @namespace = null)
    {
        lock (_gate)
        {
            return [.. _pods.Values.Where(p => @namespace is null || p.Namespace == @namespace).Select(Info)];
        }
    }

    /// <summary>The current restart count (instance number) of a container.</summary>
    public int RestartCount(string @namespace, string pod, string container)
    {
        lock (_gate)
        {
            var c = GetPod(@namespace, pod).Find(container) ?? throw new InvalidOperationException($"Pod {@namespace}/{pod} has no container {container}.");
            return c.State == ContainerStateKind.Waiting ? c.Instances.Count : Math.Max(0, c.Instances.Count - 1);
        }
    }

    // ---- logs ----

    /// <summary>
    /// Writes one line to a running container's log and returns its kubelet timestamp (Unix nanoseconds).
    /// <paramref name="timestamp"/> overrides the clock (it may go backwards, as stdout and stderr are stamped
    /// separately). The sequence is taken from a leading <c>seq=N</c> when not given.
    /// </summary>
    public long WriteLog(string @namespace, string pod, string container, string line, long? timestamp = null, long? sequence = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        return WriteLog(@namespace, pod, container, Encoding.UTF8.GetBytes(line), timestamp, sequence);
    }

    /// <inheritdoc cref="WriteLog(string, string, string, string, long?, long?)"/>
    public long WriteLog(string @namespace, string pod, string container, ReadOnlySpan<byte> line, long? timestamp = null, long? sequence = null) =>
        RunningLog(@namespace, pod, container).Append(line, timestamp, sequence ?? ParseSequence(line));

    /// <summary>Rotates a container's current log file now: what was not read yet becomes unreadable.</summary>
    public void RotateLog(string @namespace, string pod, string container) => RunningLog(@namespace, pod, container).Rotate();

    /// <summary>The sequence number of a line that starts with <c>seq=N</c>, else -1.</summary>
    public static long ParseSequence(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("seq="u8))
        {
            return -1;
        }

        long value = 0;
        var digits = 0;
        for (var i = 4; i < line.Length && (uint)(line[i] - '0') <= 9; i++, digits++)
        {
            value = (value * 10) + (line[i] - '0');
        }

        return digits > 0 ? value : -1;
    }

    internal ContainerLog RunningLog(string @namespace, string pod, string container)
    {
        lock (_gate)
        {
            var c = GetPod(@namespace, pod).Find(container) ?? throw new InvalidOperationException($"Pod {@namespace}/{pod} has no container {container}.");
            return c.State == ContainerStateKind.Running ? c.Current!.Log : throw new InvalidOperationException($"Container {container} of {@namespace}/{pod} is not running.");
        }
    }

    /// <summary>Finds the log a request asks for, with the API server's and kubelet's errors.</summary>
    internal ContainerLog? ResolveLog(string @namespace, string podName, string? container, bool previous, out StatusResponse? error)
    {
        lock (_gate)
        {
            error = null;
            if (!_pods.TryGetValue((@namespace, podName), out var pod))
            {
                error = StatusResponse.NotFound("pods", podName);
                return null;
            }

            if (string.IsNullOrEmpty(container))
            {
                if (pod.Containers.Count != 1)
                {
                    var message = $"a container name must be specified for pod {podName}, choose one of: [{string.Join(' ', pod.Containers.Select(c => c.Name))}]";
                    if (pod.InitContainers.Count > 0)
                    {
                        message += $" or one of the init containers: [{string.Join(' ', pod.InitContainers.Select(c => c.Name))}]";
                    }

                    error = StatusResponse.BadRequest(message);
                    return null;
                }

                container = pod.Containers[0].Name;
            }

            if (pod.Find(container) is not { } c)
            {
                error = StatusResponse.BadRequest($"container {container} is not valid for pod {podName}");
                return null;
            }

            if (previous)
            {
                if (c.LastTerminated is not { } last || last.Log.IsRemoved)
                {
                    error = StatusResponse.BadRequest($"previous terminated container \"{container}\" in pod \"{podName}\" not found");
                    return null;
                }

                return last.Log;
            }

            if (c.State == ContainerStateKind.Waiting)
            {
                if (c.LastTerminated is { } crashed && !crashed.Log.IsRemoved)
                {
                    return crashed.Log;
                }

                error = StatusResponse.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: {c.WaitingReason}");
                return null;
            }

            return c.Current!.Log;
        }
    }

    // ---- history ----

    /// <summary>Forgets the whole history: a watch from any resourceVersion before now gets 410 Expired.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedBefore = _resourceVersion;
        }
    }

    /// <summary>All current objects of a type, and the resourceVersion of that state.</summary>
    internal (List<StoredObject> Items, long ResourceVersion) List(ResourceType type, string? @namespace)
    {
        lock (_gate)
        {
            var items = _objects.Values
                .Where(o => o.Type == type && (@namespace is null || o.Namespace == @namespace))
                .OrderBy(o => o.Namespace, StringComparer.Ordinal)
                .ThenBy(o => o.Name, StringComparer.Ordinal)
                .ToList();
            return (items, _resourceVersion);
        }
    }

    internal StoredObject? Get(ResourceType type, string @namespace, string name)
    {
        lock (_gate)
        {
            return _objects.GetValueOrDefault((type.Name, @namespace, name));
        }
    }

    /// <summary>
    /// The changes after <paramref name="since"/>. False when <paramref name="since"/> is older than the
    /// history (compacted): <paramref name="oldest"/> is then the oldest resourceVersion still known.
    /// </summary>
    internal bool TryReadHistory(long since, List<HistoryEntry> into, out long head, out long oldest)
    {
        lock (_gate)
        {
            head = _resourceVersion;
            oldest = _compactedBefore + 1;
            if (since < _compactedBefore)
            {
                return false;
            }

            var lo = 0;
            var hi = _history.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_history[mid].ResourceVersion <= since)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            for (var i = lo; i < _history.Count; i++)
            {
                into.Add(_history[i]);
            }

            return true;
        }
    }

    // ---- ConfigMaps and Leases ----

    internal StatusResponse? Create(ResourceType type, string @namespace, JsonObject body, out StoredObject? created)
    {
        created = null;
        var name = (body["metadata"] as JsonObject)?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            return new StatusResponse(422, "Invalid", $"{type.Kind} \"\" is invalid: metadata.name: Required value: name or generateName is required");
        }

        lock (_gate)
        {
            if (_objects.ContainsKey((type.Name, @namespace, name)))
            {
                return StatusResponse.AlreadyExists(type.Name, name, type.Group);
            }

            created = new JsonStoredObject(type, @namespace, name, Guid.NewGuid().ToString(), ++_resourceVersion, Now(), body);
            Publish(ChangeType.Added, created);
            return null;
        }
    }

    /// <summary>Replaces (<paramref name="patch"/> false) or merge-patches an object, optimistic on metadata.resourceVersion when given.</summary>
    internal StatusResponse? Update(ResourceType type, string @namespace, string name, JsonObject body, bool patch, out StoredObject? updated)
    {
        updated = null;
        lock (_gate)
        {
            if (_objects.GetValueOrDefault((type.Name, @namespace, name)) is not JsonStoredObject current)
            {
                return StatusResponse.NotFound(type.Name, name);
            }

            var requested = (body["metadata"] as JsonObject)?["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(requested) && requested != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                return StatusResponse.Conflict(type.Name, name, type.Group);
            }

            var bodyName = (body["metadata"] as JsonObject)?["name"]?.GetValue<string>();
            if (!patch && bodyName is not null && bodyName != name)
            {
                return StatusResponse.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            var next = patch ? MergePatch(current.Body, body) : body;
            updated = new JsonStoredObject(type, @namespace, name, current.Uid, ++_resourceVersion, current.CreationTimestamp, next);
            Publish(ChangeType.Modified, updated, current);
            return null;
        }
    }

    internal StatusResponse? Delete(ResourceType type, string @namespace, string name)
    {
        lock (_gate)
        {
            if (_objects.GetValueOrDefault((type.Name, @namespace, name)) is not JsonStoredObject current)
            {
                return StatusResponse.NotFound(type.Name, name);
            }

            _objects.Remove((type.Name, @namespace, name));
            var deleted = new JsonStoredObject(type, @namespace, name, current.Uid, ++_resourceVersion, current.CreationTimestamp, current.Body);
            Publish(ChangeType.Deleted, deleted, current);
            return null;
        }
    }

    /// <summary>RFC 7386: objects merge recursively, null removes a member, anything else replaces.</summary>
    private static JsonObject MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchObject)
            {
                target[key] = MergePatch(target[key] as JsonObject ?? [], patchObject);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }

        return target;
    }

    // ---- internals ----

    private void Change(string @namespace, string name, Action<SimulatedPod> change)
    {
        lock (_gate)
        {
            var pod = GetPod(@namespace, name);
            var previous = _objects[(ResourceType.Pods.Name, @namespace, name)];
            change(pod);
            Publish(ChangeType.Modified, new PodSnapshot(pod, ++_resourceVersion), previous);
        }
    }

    private SimulatedPod GetPod(string @namespace, string name) =>
        _pods.TryGetValue((@namespace, name), out var pod) ? pod : throw new InvalidOperationException($"Pod {@namespace}/{name} does not exist.");

    private static SimulatedContainer Running(SimulatedPod pod, string container)
    {
        var c = pod.Find(container) ?? throw new InvalidOperationException($"Pod {pod.Namespace}/{pod.Name} has no container {container}.");
        return c.State == ContainerStateKind.Running ? c : throw new InvalidOperationException($"Container {container} of {pod.Namespace}/{pod.Name} is not running.");
    }

    private void StartLocked(SimulatedPod pod)
    {
        pod.StartTime ??= Now();
        pod.PodIp ??= pod.IpOnStart ?? $"10.244.{(_podIps / 250) % 250}.{(_podIps++ % 250) + 2}";
        if (pod.InitContainers.FirstOrDefault(c => c.State == ContainerStateKind.Waiting) is { } init)
        {
            NewInstance(pod, init);
            return;
        }

        foreach (var c in pod.Containers.Where(c => c.State == ContainerStateKind.Waiting && c.Instances.Count == 0))
        {
            NewInstance(pod, c);
        }
    }

    private void FinishInitLocked(SimulatedPod pod, SimulatedContainer init, int exitCode)
    {
        EndInstance(init, exitCode, null);
        init.State = ContainerStateKind.Terminated;
        if (exitCode == 0)
        {
            StartLocked(pod);
        }
    }

    private void NewInstance(SimulatedPod pod, SimulatedContainer container)
    {
        var number = container.Instances.Count;
        var stream = Ledger.AddStream(pod.Namespace, pod.Name, pod.Uid, container.Name, number);
        var log = new ContainerLog(Ledger, stream, Time, _options.LogRotationBytes);
        var id = "containerd://" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        container.Instances.Add(new ContainerInstance(number, id, Now(), log));
        container.State = ContainerStateKind.Running;
        // The kubelet keeps the logs of the current and the last dead instance only.
        for (var i = 0; i < container.Instances.Count - 2; i++)
        {
            if (!container.Instances[i].Log.IsRemoved)
            {
                container.Instances[i].Log.Remove(LogFileFate.Collected);
            }
        }
    }

    private void EndInstance(SimulatedContainer container, int exitCode, string? reason)
    {
        var instance = container.Current!;
        instance.FinishedAt = Now();
        instance.ExitCode = exitCode;
        instance.Reason = reason ?? (exitCode == 0 ? "Completed" : "Error");
        instance.Log.End();
    }

    private void Publish(ChangeType type, StoredObject version, StoredObject? previous = null)
    {
        if (type == ChangeType.Deleted)
        {
            _objects.Remove((version.Type.Name, version.Namespace, version.Name));
        }
        else
        {
            _objects[(version.Type.Name, version.Namespace, version.Name)] = version;
        }

        var now = Time.GetTimestamp();
        _history.Add(new HistoryEntry(version.ResourceVersion, type, version, previous, now));
        var window = _options.HistoryWindow;
        var expired = 0;
        while (expired < _history.Count - 1 && Time.GetElapsedTime(_history[expired].At, now) > window)
        {
            expired++;
        }

        if (expired > 0)
        {
            _compactedBefore = _history[expired - 1].ResourceVersion;
            _history.RemoveRange(0, expired);
        }

        HistorySignal.Pulse();
    }

    private DateTimeOffset Now() => Time.GetUtcNow();

    private static PodInfo Info(SimulatedPod pod) =>
        new(pod.Namespace, pod.Name, pod.Uid, [.. pod.Containers.Select(c => c.Name)], [.. pod.InitContainers.Select(c => c.Name)]);
}
