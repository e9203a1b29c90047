using ActorLoki.Actors.Dispatch;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Actors;

/// <summary>
/// The runtime of one actor: its mailbox, current instance, behaviour stack, children, watchers,
/// timers and fault state. Everything here runs on the actor's own turn (the mailbox guarantees one
/// at a time) unless marked thread-safe. Split by concern: <c>ActorCell.Children.cs</c>,
/// <c>ActorCell.DeathWatch.cs</c>, <c>ActorCell.FaultHandling.cs</c>, <c>ActorCell.Async.cs</c>.
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic]
    private static ActorCell? t_current;

    [ThreadStatic]
    private static ActorCell? t_constructing;

    private readonly ActorSystem _system;
    private readonly IInternalActorRef _parent;
    private readonly LocalActorRef _self;
    private readonly Props _props;
    private readonly Mailbox _mailbox;
    private readonly List<(Receive Receive, string Name)> _behaviors = new(1);
    private ActorBase? _actor;
    private Receive? _behavior;
    private string _behaviorName = "Receive";
    private Envelope _current;
    private TimerScheduler? _timers;
    private StashImpl? _stash;
    private ILogger? _log;

    public ActorCell(ActorSystem system, Props props, IInternalActorRef parent, ActorPath path)
    {
        _system = system;
        _props = props;
        _parent = parent;
        _self = new LocalActorRef(this, path);
        var mailbox = props.Mailbox ?? system.Settings.DefaultMailbox;
        var capacity = mailbox.IsBounded ? mailbox.Capacity ?? system.Settings.DefaultMailboxCapacity : 0;
        _mailbox = new Mailbox(this, capacity, mailbox.Overflow, system.Settings.Throughput);
    }

    /// <summary>The cell whose turn runs on this thread (for the implicit sender).</summary>
    internal static ActorCell? Current
    {
        get => t_current;
        set => t_current = value;
    }

    /// <summary>The cell whose actor is being constructed on this thread.</summary>
    internal static ActorCell? Constructing => t_constructing;

    public IActorRef Self => _self;

    public IActorRef Parent => _parent;

    public IActorRef Sender => _current.Sender ?? _system.DeadLetters;

    public ActorSystem System => _system;

    public Props Props => _props;

    public ILogger Log => _log ??= new ActorLogger(_system.LoggerFactory.CreateLogger(_props.ActorType), _self.Path.ToString());

    internal LocalActorRef SelfRef => _self;

    internal Mailbox Mailbox => _mailbox;

    internal IActorRef? CurrentSender => _current.Sender;

    internal string Kind => _props.ActorType.Name;

    internal bool IsGuardian => _props.ActorType == typeof(GuardianActor);

    internal Envelope CurrentEnvelope => _current;

    internal ITimerScheduler Timers => _timers ??= new TimerScheduler(this);

    internal IStash Stash => _stash ??= new StashImpl(this);

    /// <summary>True while the mailbox may hand this cell user messages.</summary>
    internal bool CanProcessUserMessages => _suspendCount == 0 && _pendingTask is null && !_terminating && _actor is not null;

    /// <summary>Posts Create: the actor is constructed on its own first turn.</summary>
    internal void Start() => _mailbox.PostSystem(new Create());

    public void Become(Receive receive) => Become(receive, receive.Method.Name, discardOld: true);

    public void BecomeStacked(Receive receive) => Become(receive, receive.Method.Name, discardOld: false);

    public void UnbecomeStacked()
    {
        if (_behaviors.Count > 1)
        {
            _behaviors.RemoveAt(_behaviors.Count - 1);
        }

        (_behavior, _behaviorName) = _behaviors[^1];
    }

    internal void Become(Receive receive, string name, bool discardOld)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (discardOld && _behaviors.Count > 0)
        {
            _behaviors[^1] = (receive, name);
        }
        else
        {
            _behaviors.Add((receive, name));
        }

        _behavior = receive;
        _behaviorName = name;
    }

    internal void InitializeBehavior(Receive receive, string name)
    {
        _behaviors.Clear();
        Become(receive, name, discardOld: false);
    }

    /// <summary>Handles one user message.</summary>
    internal void Invoke(in Envelope envelope)
    {
        _current = envelope;
        try
        {
            var message = envelope.Message;
            switch (message)
            {
                case TimerScheduler.Entry entry:
                    if (_timers?.Accept(entry) == true)
                    {
                        Deliver(entry.Message);
                    }

                    break;
                case Terminated terminated:
                    if (ConsumeQueuedTerminated(terminated.ActorRef))
                    {
                        Deliver(terminated);
                    }

                    break;
                case WatchedTerminated custom:
                    if (ConsumeQueuedTerminated(custom.Actor))
                    {
                        Deliver(custom.Message);
                    }

                    break;
                case PoisonPill:
                    Stop(_self);
                    break;
                case Kill:
                    throw new ActorKilledException("Kill");
                default:
                    if (!_behavior!(message))
                    {
                        _actor!.InvokeUnhandled(message);
                    }

                    break;
            }
        }
        catch (Exception cause)
        {
            HandleInvokeFailure(cause);
        }

        // Kept while an async handler runs or a failure awaits its directive (PreRestart gets the message).
        if (_pendingTask is null && _failure is null)
        {
            _current = default;
        }
    }

    private void Deliver(object message)
    {
        if (!_behavior!(message))
        {
            _actor!.InvokeUnhandled(message);
        }
    }

    /// <summary>Handles one system message.</summary>
    internal void SystemInvoke(SystemMessage message)
    {
        try
        {
            switch (message)
            {
                case Create:
                    HandleCreate();
                    break;
                case Terminate:
                    HandleTerminate();
                    break;
                case Recreate recreate:
                    FaultRecreate(recreate.Cause);
                    break;
                case Suspend:
                    FaultSuspend();
                    break;
                case Resume resume:
                    FaultResume(resume.CausedByFailure);
                    break;
                case Failed failed:
                    HandleFailed(failed);
                    break;
                case Watch watch:
                    AddWatcher(watch.Watcher);
                    break;
                case Unwatch unwatch:
                    RemoveWatcher(unwatch.Watcher);
                    break;
                case DeathWatchNotification notification:
                    WatchedActorTerminated(notification.Actor);
                    break;
                case RunContinuation continuation:
                    RunContinuation(continuation);
                    break;
                case AsyncHandlerCompleted completed:
                    AsyncHandlerCompleted(completed);
                    break;
            }
        }
        catch (Exception cause)
        {
            HandleInvokeFailure(cause);
        }
    }

    /// <summary>A system message that reached this cell after it stopped (thread-safe).</summary>
    internal void HandleDeadSystemMessage(SystemMessage message)
    {
        if (message is Watch watch)
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(_self));
        }
    }

    internal void PublishUnhandled(object message) => _system.Unhandled(message, _current.Sender, _self, Kind);

    internal void ReportOverflow(object message, IActorRef? sender, OverflowPolicy policy) =>
        _system.MailboxOverflowed(message, sender, _self, policy, _mailbox.Capacity, Kind);

    /// <summary>A point-in-time view of this actor and its subtree (thread-safe, approximate).</summary>
    internal ActorSnapshot Snapshot()
    {
        var children = ChildrenSnapshot();
        var snapshots = new ActorSnapshot[children.Length];
        for (var i = 0; i < children.Length; i++)
        {
            snapshots[i] = children[i].Cell.Snapshot();
        }

        return new ActorSnapshot(
            _self.Path.ToString(),
            Kind,
            _mailbox.Count,
            Volatile.Read(ref _restartCount),
            Volatile.Read(ref _behaviorName),
            snapshots);
    }

    /// <summary>Visits this cell and its live subtree (thread-safe, approximate).</summary>
    internal void Visit(Action<ActorCell> visitor)
    {
        visitor(this);
        foreach (var child in ChildrenSnapshot())
        {
            child.Cell.Visit(visitor);
        }
    }

    private ActorBase NewActor()
    {
        var previous = t_constructing;
        t_constructing = this;
        ActorBase actor;
        try
        {
            actor = _props.Factory();
        }
        finally
        {
            t_constructing = previous;
        }

        if (!ReferenceEquals(actor.Cell, this))
        {
            throw new ActorInitializationException("The Props factory must create a new actor instance on each call.");
        }

        actor.OnConstructed();
        _actor = actor;
        return actor;
    }

    public override string ToString() => _self.Path.ToString();
}
