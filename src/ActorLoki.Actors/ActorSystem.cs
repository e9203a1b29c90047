using ActorLoki.Actors.Dispatch;
using ActorLoki.Actors.Event;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Actors;

/// <summary>
/// A tree of actors: <c>/user</c> holds the application's actors, <c>/system</c> the kernel's helpers.
/// Create top-level actors with <see cref="ActorOf"/>; stop everything with <see cref="Terminate"/>.
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorMetrics _metrics;
    private int _terminateRequested;
    private ITimer? _deadline;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        Log = settings.LoggerFactory.CreateLogger("ActorLoki.Actors");
        EventStream = new EventStream(Log);
        DeadLetters = new DeadLetterActorRef(this);
        _metrics = new ActorMetrics(this, settings.MeterFactory);
        var root = new RootGuardianRef(this);
        var guardianProps = Props.Create(static () => new GuardianActor());
        _userGuardian = new ActorCell(this, guardianProps.WithSupervisorStrategy(settings.GuardianSupervisorStrategy), root, ActorPath.Root / "user");
        _systemGuardian = new ActorCell(this, guardianProps, root, ActorPath.Root / "system");
        _userGuardian.Start();
        _systemGuardian.Start();
    }

    public string Name { get; }

    public ActorSystemSettings Settings { get; }

    public EventStream EventStream { get; }

    /// <summary>Messages told to this ref are dead letters (published, logged at debug and counted).</summary>
    public IActorRef DeadLetters { get; }

    public ILoggerFactory LoggerFactory => Settings.LoggerFactory;

    /// <summary>Completes when every actor has stopped after <see cref="Terminate"/>, or when its deadline passed.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal ILogger Log { get; }

    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ActorSystem(name, (settings ?? ActorSystemSettings.Default).Validated());
    }

    /// <summary>Creates a top-level actor under <c>/user</c>. Thread-safe.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.ActorOf(props, name);

    /// <summary>Stops an actor (its children first). Thread-safe.</summary>
    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is LocalActorRef local && !ReferenceEquals(local.Cell.System, this))
        {
            throw new ArgumentException($"{actor.Path} belongs to another actor system.", nameof(actor));
        }

        (actor as IInternalActorRef)?.SendSystemMessage(new Terminate());
    }

    /// <summary>A snapshot of the <c>/user</c> tree: path, type, mailbox depth, restarts and behaviour of every actor.</summary>
    public ActorSnapshot GetActorTree() => _userGuardian.Snapshot();

    /// <summary>
    /// Stops <c>/user</c> (children before parents), then <c>/system</c>. The returned task completes when
    /// every actor has stopped or when <see cref="ActorSystemSettings.TerminationDeadline"/> has passed (then
    /// the actors still alive, e.g. stuck in a blocking handler, are logged and left behind).
    /// </summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminateRequested, 1) == 0)
        {
            _deadline = Settings.TimeProvider.CreateTimer(
                static state => ((ActorSystem)state!).DeadlinePassed(), this, Settings.TerminationDeadline, Timeout.InfiniteTimeSpan);
            _userGuardian.SelfRef.SendSystemMessage(new Terminate());
        }

        return WhenTerminated;
    }

    public async ValueTask DisposeAsync() => await Terminate().ConfigureAwait(false);

    /// <summary>Creates an actor under <c>/system</c> (test probes, kernel helpers).</summary>
    internal IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.ActorOf(props, name);

    internal void GuardianStopped(IActorRef guardian)
    {
        if (ReferenceEquals(guardian, _userGuardian.Self))
        {
            _systemGuardian.SelfRef.SendSystemMessage(new Terminate());
        }
        else if (ReferenceEquals(guardian, _systemGuardian.Self))
        {
            Complete();
        }
    }

    internal void DeadLetter(object message, IActorRef? sender, IActorRef recipient)
    {
        // A dead letter about a dead letter (an event sent to a stopped subscriber) stops here.
        if (message is Event.DeadLetter or TimerScheduler.Entry)
        {
            return;
        }

        _metrics.DeadLetters.Add(1);
        if (Log.IsEnabled(LogLevel.Debug))
        {
            KernelLog.DeadLetter(Log, message.GetType(), sender?.Path, recipient.Path);
        }

        if (EventStream.HasSubscribers)
        {
            EventStream.Publish(new DeadLetter(message, sender, recipient));
        }
    }

    internal void Unhandled(object message, IActorRef? sender, IActorRef recipient, string kind)
    {
        _metrics.Unhandled.Add(1, new KeyValuePair<string, object?>("kind", kind));
        if (Log.IsEnabled(LogLevel.Debug))
        {
            KernelLog.Unhandled(Log, message.GetType(), sender?.Path, recipient.Path);
        }

        if (EventStream.HasSubscribers)
        {
            EventStream.Publish(new UnhandledMessage(message, sender, recipient));
        }
    }

    internal void MailboxOverflowed(object message, IActorRef? sender, IActorRef recipient, OverflowPolicy policy, int capacity, string kind)
    {
        _metrics.MailboxOverflows.Add(1, new KeyValuePair<string, object?>("kind", kind));
        if (Log.IsEnabled(LogLevel.Debug))
        {
            KernelLog.MailboxOverflow(Log, recipient.Path, capacity, policy, message.GetType());
        }

        if (EventStream.HasSubscribers)
        {
            EventStream.Publish(new MailboxOverflow(message, sender, recipient, policy, capacity));
        }
    }

    internal void Started(ActorCell cell)
    {
        if (EventStream.HasSubscribers && !cell.IsGuardian)
        {
            EventStream.Publish(new ActorStarted(cell.Self, cell.Props.ActorType));
        }
    }

    internal void Restarted(ActorCell cell, Exception cause, int attempt)
    {
        _metrics.Restarts.Add(1, new KeyValuePair<string, object?>("kind", cell.Kind));
        if (EventStream.HasSubscribers)
        {
            EventStream.Publish(new ActorRestarted(cell.Self, cell.Props.ActorType, cause, attempt));
        }
    }

    internal void Stopped(ActorCell cell)
    {
        if (EventStream.HasSubscribers)
        {
            EventStream.Unsubscribe(cell.Self);
            if (!cell.IsGuardian)
            {
                EventStream.Publish(new ActorStopped(cell.Self, cell.Props.ActorType));
            }
        }
    }

    internal void BackoffRestartScheduled(BackoffRestartScheduled scheduled, string kind)
    {
        _metrics.BackoffRestarts.Add(1, new KeyValuePair<string, object?>("kind", kind));
        if (EventStream.HasSubscribers)
        {
            EventStream.Publish(scheduled);
        }
    }

    /// <summary>Visits every live actor of both guardians (thread-safe, approximate).</summary>
    internal void VisitActors(Action<ActorCell> visitor)
    {
        _userGuardian.Visit(visitor);
        _systemGuardian.Visit(visitor);
    }

    private void DeadlinePassed()
    {
        if (_terminated.Task.IsCompleted)
        {
            return;
        }

        var alive = new List<string>();
        VisitActors(cell => alive.Add(cell.Self.Path.ToString()));
        KernelLog.TerminationDeadlineExceeded(Log, Name, Settings.TerminationDeadline, string.Join(", ", alive.Take(20)));
        Complete();
    }

    private void Complete()
    {
        _deadline?.Dispose();
        _metrics.Dispose();
        if (_terminated.TrySetResult())
        {
            KernelLog.SystemTerminated(Log, Name);
        }
    }
}
