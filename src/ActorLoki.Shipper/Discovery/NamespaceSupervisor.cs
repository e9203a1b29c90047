using ActorLoki.Shipper.Actors;
using Akka.Actor;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Informers;
using ActorLoki.Kubernetes.Models;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using ActorLoki.Shipper.Tailing;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Discovery;

/// <summary>
/// Lists and watches the pods of one namespace (or of all) and keeps one <see cref="ContainerTail"/> per
/// container that has started and is selected: it starts tails as soon as a container runs (so a Job pod
/// that lives for seconds is read), forwards every change of a pod to its tails, tells them when their pod
/// is deleted, and tells the positions keeper which pods exist so positions of gone pods expire.
/// </summary>
/// <remarks>
/// Where a stream lives is behind one seam, <see cref="NamespaceContext.Placement"/>: without one (a single
/// replica) each stream is a child tail of this actor; with one (the cluster's stream coordinator) this actor
/// only decides which streams must exist and tells the placement, which runs them as sharding entities on
/// whichever node holds their shard. Selection, exclusion and the positions' pod bookkeeping are the same.
/// </remarks>
public sealed partial class NamespaceSupervisor : ShipperActor
{
    private readonly NamespaceContext _ctx;
    private readonly string? _namespace;
    private readonly string _scope;
    private readonly NameFilter _pods;
    private readonly NameFilter _containers;
    private readonly Dictionary<(string Uid, string Container), IActorRef> _tails = [];
    private readonly Dictionary<IActorRef, (string Uid, string Container)> _byRef = [];
    private readonly HashSet<string> _knownPods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _labelWarnings = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private PodInformer? _informer;
    private IDisposable? _informerMetrics;
    private bool _synced;
    private bool _stopping;

    public NamespaceSupervisor(NamespaceContext context, string? @namespace)
    {
        _ctx = context;
        _namespace = @namespace;
        _scope = @namespace ?? "*";
        var selection = context.Selection;
        _pods = new NameFilter(selection.IncludePods, selection.ExcludePods);
        _containers = new NameFilter(selection.IncludeContainers, selection.ExcludeContainers);

        // Events of an informer of an earlier incarnation (before a restart) are ignored.
        Receive<InformerEvent>(e =>
        {
            if (ReferenceEquals(e.Informer, _informer))
            {
                OnPodEvent(e.Event);
            }
        });
        // Results of an informer of an earlier incarnation (before a restart) reach this one: they are ignored.
        Receive<Synced>(synced =>
        {
            if (ReferenceEquals(synced.Informer, _informer))
            {
                OnSynced();
            }
        });
        Receive<InformerStopped>(stopped =>
        {
            if (ReferenceEquals(stopped.Informer, _informer))
            {
                throw new InvalidOperationException($"the pod informer of {_scope} stopped", stopped.Error);
            }
        });
        Receive<Terminated>(OnTailTerminated);
        Receive<StopTails>(_ =>
        {
            _stopping = true;
            foreach (var tail in _tails.Values)
            {
                Context.Stop(tail);
            }
        });
        Receive<GetStatus>(_ => Sender.Tell(new NamespaceStatus(_scope, _synced, _tails.Count, _knownPods.Count, _informer?.Statistics)));
        Receive<GetTails>(_ => Sender.Tell(new Tails([.. _tails.Values])));
    }

    public static Props Props(NamespaceContext context, string? @namespace) =>
        Akka.Actor.Props.Create(() => new NamespaceSupervisor(context, @namespace));

    /// <summary>Stop every tail (shutdown: stop reading); the supervisor itself stays to be stopped by its parent.</summary>
    public sealed record StopTails
    {
        public static readonly StopTails Instance = new();
    }

    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>Whether the first list is done, and how many tails and pods there are.</summary>
    public sealed record NamespaceStatus(string Namespace, bool Synced, int Tails, int Pods, PodInformerStatistics? Informer);

    public sealed record GetTails
    {
        public static readonly GetTails Instance = new();
    }

    public sealed record Tails(IReadOnlyList<IActorRef> Refs);

    private sealed record Synced(PodInformer Informer);

    private sealed record InformerStopped(PodInformer Informer, Exception? Error);

    private sealed record InformerEvent(PodInformer Informer, PodEvent Event);

    protected override void PreStart()
    {
        var settings = _ctx.Kubernetes;
        var self = Self;
        PodInformer? created = null;
        _informer = created = new PodInformer(
            _ctx.Client,
            new PodInformerOptions
            {
                Namespace = _namespace,
                LabelSelector = NullIfEmpty(_ctx.Selection.PodLabelSelector),
                FieldSelector = NullIfEmpty(_ctx.Selection.PodFieldSelector),
                WatchTimeout = settings.WatchTimeout,
                SilenceLimit = settings.WatchSilenceLimit,
                MinBackoff = settings.ReconnectMinBackoff,
                MaxBackoff = settings.ReconnectMaxBackoff,
            },
            (podEvent, _) =>
            {
                self.Tell(new InformerEvent(created!, podEvent));
                return ValueTask.CompletedTask;
            });
        var token = LifetimeToken;
        var informer = _informer;
        _informerMetrics = _ctx.Tail.Metrics.ObserveInformer(() => informer.Statistics);
        Task.Run(() => informer.RunAsync(token), token)
            .PipeTo(Self, success: () => new InformerStopped(informer, null), failure: e => new InformerStopped(informer, e));
        informer.WaitForSyncAsync(token).PipeTo(Self, success: () => new Synced(informer), failure: e => new InformerStopped(informer, e));
        LogWatching(Log, _scope);
    }

    protected override void PostStop() => _informerMetrics?.Dispose();

    protected override SupervisorStrategy SupervisorStrategy() => new ShipperSupervisorStrategy();

    private void OnSynced()
    {
        _synced = true;
        _ctx.Positions.Tell(new PositionsKeeper.PodsListed(_scope, [.. _knownPods]));
        LogSynced(Log, _scope, _knownPods.Count, _tails.Count);
    }

    private void OnPodEvent(PodEvent podEvent)
    {
        var pod = podEvent.Pod;
        var uid = pod.Metadata?.Uid;
        if (uid is null)
        {
            return;
        }

        if (_ctx.Placement is { } placement)
        {
            Place(placement, podEvent);
            return;
        }

        if (podEvent.Type == PodEventType.Deleted)
        {
            _knownPods.Remove(uid);
            _labelWarnings.Remove(uid);
            foreach (var tail in TailsOf(uid))
            {
                tail.Tell(ContainerTail.PodDeleted.Instance);
            }

            _ctx.Positions.Tell(new PositionsKeeper.PodsGone([uid], _ctx.Time.GetUtcNow()));
            return;
        }

        _knownPods.Add(uid);
        if (_stopping)
        {
            return;
        }

        var wanted = IsSelected(pod) ? WantedContainers(pod).ToHashSet(StringComparer.Ordinal) : [];
        foreach (var ((tailUid, container), tail) in _tails.Where(t => t.Key.Uid == uid).ToList())
        {
            if (!wanted.Contains(container))
            {
                // Excluded since (annotation, filters): stop following it.
                Context.Stop(tail);
            }
        }

        foreach (var container in wanted)
        {
            if (!HasStarted(pod, container))
            {
                continue;
            }

            var labels = Labels(pod, container);
            if (_tails.TryGetValue((uid, container), out var tail))
            {
                tail.Tell(new ContainerTail.PodUpdated(pod, labels));
                continue;
            }

            var name = ChildName(pod, container);
            tail = Context.ActorOf(ContainerTail.Props(_ctx.Tail, pod, container, labels), name);
            Context.Watch(tail);
            _tails[(uid, container)] = tail;
            _byRef[tail] = (uid, container);
        }
    }

    /// <summary>The placement seam: which containers of the pod must be followed (started and selected), or that it is gone.</summary>
    private void Place(IActorRef placement, PodEvent podEvent)
    {
        var pod = podEvent.Pod;
        var uid = pod.Metadata!.Uid!;
        if (podEvent.Type == PodEventType.Deleted)
        {
            _knownPods.Remove(uid);
            placement.Tell(new StreamPlacement.PodGone(pod));
            _ctx.Positions.Tell(new PositionsKeeper.PodsGone([uid], _ctx.Time.GetUtcNow()));
            return;
        }

        _knownPods.Add(uid);
        if (_stopping)
        {
            return;
        }

        var wanted = IsSelected(pod) ? WantedContainers(pod).Where(c => HasStarted(pod, c)).ToList() : [];
        placement.Tell(new StreamPlacement.PodStreams(pod, wanted));
    }

    private void OnTailTerminated(Terminated terminated)
    {
        if (_byRef.Remove(terminated.ActorRef, out var key))
        {
            _tails.Remove(key);
        }

        _names.Remove(terminated.ActorRef.Path.Name);
    }

    private List<IActorRef> TailsOf(string uid) => _tails.Where(t => t.Key.Uid == uid).Select(t => t.Value).ToList();

    private bool IsSelected(Pod pod)
    {
        var meta = pod.Metadata!;
        if (meta.Annotations?.GetValueOrDefault(_ctx.Selection.ExcludeAnnotation) is { } excluded
            && excluded.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (_ctx.Selection.ExcludeSelf && _ctx.SelfPod is { } self && meta.Name == self.Name && meta.Namespace == self.Namespace)
        {
            return false;
        }

        return _pods.Allows(meta.Name ?? string.Empty);
    }

    private IEnumerable<string> WantedContainers(Pod pod)
    {
        var names = (pod.Spec?.Containers ?? []).Select(c => c.Name);
        if (_ctx.Selection.IncludeInitContainers)
        {
            names = (pod.Spec?.InitContainers ?? []).Select(c => c.Name).Concat(names);
        }

        return names.OfType<string>().Where(_containers.Allows);
    }

    /// <summary>A container has a log as soon as it ran: running, terminated, or restarted at least once.</summary>
    private static bool HasStarted(Pod pod, string container)
    {
        var status = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == container)
            ?? pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.Name == container);
        return status is not null
            && (status.State?.Running is not null || status.State?.Terminated is not null || status.LastState?.Terminated is not null || status.RestartCount > 0);
    }

    private StreamLabels Labels(Pod pod, string container)
    {
        var labels = _ctx.Labeler.For(pod, container);
        if (labels.Problems.Count > 0 && _labelWarnings.Add(pod.Metadata!.Uid!))
        {
            LogLabelProblems(Log, pod.Metadata.Namespace ?? _scope, pod.Metadata.Name ?? "?", string.Join("; ", labels.Problems.Select(p => p.Message)));
        }

        return labels;
    }

    /// <summary><c>pod.container</c>; a pod re-created under the same name while the old one drains gets its UID too.</summary>
    private string ChildName(Pod pod, string container)
    {
        var prefix = _namespace is null ? $"{pod.Metadata!.Namespace}." : string.Empty;
        var name = $"{prefix}{pod.Metadata!.Name}.{container}";
        var uid = pod.Metadata.Uid ?? string.Empty;
        // A stopping child keeps its name until it has terminated: names are freed on Terminated only.
        var chosen = _names.Contains(name) ? $"{name}.{uid[..Math.Min(8, uid.Length)]}" : name;
        for (var n = 2; _names.Contains(chosen); n++)
        {
            chosen = $"{name}.{uid[..Math.Min(8, uid.Length)]}.{n}";
        }

        _names.Add(chosen);
        return chosen;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Watching pods in {Namespace}")]
    private static partial void LogWatching(ILogger logger, string @namespace);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "Listed pods in {Namespace}: {Pods} pods, {Tails} containers followed")]
    private static partial void LogSynced(ILogger logger, string @namespace, int pods, int tails);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "Labels of pod {Namespace}/{Pod}: {Problems}")]
    private static partial void LogLabelProblems(ILogger logger, string @namespace, string pod, string problems);
}

/// <summary>The shipper's own pod, excluded from following by default.</summary>
public sealed record SelfPod(string Namespace, string Name);

/// <summary>
/// What a namespace supervisor tells a placement (<see cref="NamespaceContext.Placement"/>) instead of running
/// tails itself: which containers of a pod must be followed now, and which pods are gone.
/// </summary>
public static class StreamPlacement
{
    /// <summary>The pod as it is now and its containers to follow (started and selected); any other is not to be followed.</summary>
    public sealed record PodStreams(Pod Pod, IReadOnlyList<string> Containers);

    /// <summary>The pod was deleted (its last state).</summary>
    public sealed record PodGone(Pod Pod);
}

/// <summary>What a namespace supervisor and its tails share.</summary>
/// <param name="Placement">Where streams live: null runs them as child tails; an actor is told <see cref="StreamPlacement"/> messages instead.</param>
public sealed record NamespaceContext(
    KubernetesClient Client,
    KubernetesSettings Kubernetes,
    SelectionSettings Selection,
    StreamLabeler Labeler,
    TailContext Tail,
    IActorRef Positions,
    SelfPod? SelfPod,
    TimeProvider Time,
    IActorRef? Placement = null);
