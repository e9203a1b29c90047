using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;

namespace ActorLoki.Shipper.Actors;

/// <summary>
/// What <c>/debug/actors</c> and the actor metrics show, built from what Akka offers publicly: every user
/// actor's mailbox registers here when it is created (<see cref="InspectedMailbox"/>) and leaves when it is
/// closed; ActorLoki's actors report their kind, behaviour and restarts themselves (<see cref="ShipperActor"/>);
/// the dead-letter and unhandled counts come from the event stream (<see cref="DeadLetterCounter"/>).
/// </summary>
public sealed class ActorInspection : IDisposable
{
    public const string MeterName = "ActorLoki.Actors";

    private readonly ConcurrentDictionary<string, Entry> _actors = new(StringComparer.Ordinal);
    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    internal ActorInspection(IMeterFactory? meters)
    {
        _ownsMeter = meters is null;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        Restarts = _meter.CreateCounter<long>("actorloki_actor_restarts", "{restart}", "Actor restarts by supervisors, by actor type.");
        DeadLetters = _meter.CreateCounter<long>("actorloki_dead_letters", "{message}", "Messages sent to stopped actors or to dead letters.");
        Unhandled = _meter.CreateCounter<long>("actorloki_unhandled_messages", "{message}", "Messages no behaviour handled, by actor type.");
        MailboxOverflows = _meter.CreateCounter<long>("actorloki_mailbox_overflows", "{message}", "Messages dropped by full bounded mailboxes, by actor type (mailboxes are unbounded: stays 0).");
        BackoffRestarts = _meter.CreateCounter<long>("actorloki_backoff_restarts", "{restart}", "Child restarts scheduled by back-off supervisors, by child actor type.");
        _meter.CreateObservableGauge("actorloki_actors", () => PerKind(static _ => 1), "{actor}", "Live actors, by actor type.");
        _meter.CreateObservableGauge("actorloki_mailbox_depth", () => PerKind(static e => e.Queue?.Count ?? 0), "{message}", "User messages waiting in mailboxes, summed by actor type.");
    }

    public Counter<long> Restarts { get; }

    public Counter<long> DeadLetters { get; }

    public Counter<long> Unhandled { get; }

    public Counter<long> MailboxOverflows { get; }

    public Counter<long> BackoffRestarts { get; }

    /// <summary>Raised as ActorLoki's actors start, restart and stop (on the actor's thread: keep handlers short).</summary>
    public event Action<ActorLifecycleEvent>? Lifecycle;

    /// <summary>Actors under <c>/user</c> (not the user guardian itself) are shown; Akka's system actors are not.</summary>
    public static bool IsInspected(ActorPath path) => path.Elements.Count > 1 && path.Elements[0] == "user";

    /// <summary>The kind (actor type name) of a live actor, or null when it is not known here.</summary>
    public string? KindOf(IActorRef actor) => _actors.TryGetValue(Key(actor.Path), out var entry) ? entry.Kind : null;

    /// <summary>The tree under <c>/user</c>, each actor with its kind, behaviour, mailbox depth and restarts.</summary>
    public ActorSnapshot Snapshot()
    {
        var children = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var entries = _actors.ToArray();
        foreach (var (path, _) in entries)
        {
            var parent = path[..path.LastIndexOf('/')];
            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(path);
        }

        var byPath = entries.ToDictionary(static e => e.Key, static e => e.Value, StringComparer.Ordinal);
        ActorSnapshot Build(string path, Entry? entry) => new(
            path,
            entry?.Kind ?? "UserGuardian",
            entry?.Queue?.Count ?? 0,
            entry?.Restarts ?? 0,
            entry?.Behavior ?? "Receive",
            children.TryGetValue(path, out var list) ? [.. list.Order(StringComparer.Ordinal).Select(c => Build(c, byPath[c]))] : []);
        return Build("/user", null);
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal void Track(IActorRef owner, InspectedQueue queue)
    {
        var entry = Touch(owner);
        entry.Queue = queue;
        if (entry.Kind.Length == 0 && owner is ActorRefWithCell { Underlying: { } cell })
        {
            entry.Kind = cell.Props.Type.Name;
        }
    }

    internal void Started(IActorRef self, Type type, string behavior)
    {
        var entry = Touch(self);
        entry.Kind = type.Name;
        entry.Behavior = behavior;
        Lifecycle?.Invoke(new ActorLifecycleEvent(self, type, ActorLifecycleStage.Started, null, 0));
    }

    internal void Stopped(IActorRef self, Type type) =>
        Lifecycle?.Invoke(new ActorLifecycleEvent(self, type, ActorLifecycleStage.Stopped, null, 0));

    internal void Became(IActorRef self, string behavior) => Touch(self).Behavior = behavior;

    internal void Restarted(IActorRef self, Type type, Exception cause)
    {
        var entry = Touch(self);
        entry.Kind = type.Name;
        entry.Behavior = "Receive";
        var attempt = Interlocked.Increment(ref entry.Restarts);
        Restarts.Add(1, new KeyValuePair<string, object?>("kind", type.Name));
        Lifecycle?.Invoke(new ActorLifecycleEvent(self, type, ActorLifecycleStage.Restarted, cause, attempt));
    }

    internal void Forget(IActorRef actor) => _actors.TryRemove(Key(actor.Path), out _);

    private static string Key(ActorPath path) => path.ToStringWithoutAddress();

    private Entry Touch(IActorRef actor) => _actors.GetOrAdd(Key(actor.Path), static _ => new Entry());

    private IEnumerable<Measurement<int>> PerKind(Func<Entry, int> value)
    {
        var sums = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in _actors.Values)
        {
            var kind = entry.Kind.Length == 0 ? "unknown" : entry.Kind;
            sums[kind] = sums.GetValueOrDefault(kind) + value(entry);
        }

        return sums.Select(static kv => new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key)));
    }

    private sealed class Entry
    {
        public int Restarts;

        public volatile string Kind = "";

        public volatile string Behavior = "Receive";

        public volatile InspectedQueue? Queue;
    }
}

/// <summary>One actor in <c>/debug/actors</c>: path, type, mailbox depth, restarts, current behaviour and children.</summary>
public sealed record ActorSnapshot(
    string Path,
    string ActorType,
    int MailboxDepth,
    int RestartCount,
    string Behavior,
    IReadOnlyList<ActorSnapshot> Children);

public enum ActorLifecycleStage
{
    Started,
    Restarted,
    Stopped,
}

/// <summary>An actor of ActorLoki started, restarted (<paramref name="Attempt"/> restarts so far, after <paramref name="Cause"/>) or stopped.</summary>
public sealed record ActorLifecycleEvent(IActorRef Actor, Type ActorType, ActorLifecycleStage Stage, Exception? Cause, int Attempt);
