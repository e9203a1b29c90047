namespace ActorLoki.Actors;

/// <summary>
/// The base of every actor. Create actors only through <c>ActorOf(Props)</c>; the kernel calls the
/// lifecycle hooks from the actor's own turn, one message at a time.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    protected ActorBase()
    {
        _cell = ActorCell.Constructing
            ?? throw new ActorInitializationException("Actors are created with ActorOf(Props), never with new.");
        _cell.InitializeBehavior(Receive, nameof(Receive));
        if (this is IWithTimers withTimers)
        {
            withTimers.Timers = _cell.Timers;
        }

        if (this is IWithStash withStash)
        {
            withStash.Stash = _cell.Stash;
        }
    }

    protected IActorContext Context => _cell;

    protected IActorRef Self => _cell.Self;

    /// <summary>The sender of the message being handled (dead letters when none).</summary>
    protected IActorRef Sender => _cell.Sender;

    internal ActorCell Cell => _cell;

    /// <summary>The initial behaviour.</summary>
    protected abstract bool Receive(object message);

    protected virtual void PreStart()
    {
    }

    protected virtual void PostStop()
    {
    }

    /// <summary>Called on the failed instance. By default stops (and unwatches) every child, then calls <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.GetChildren())
        {
            Context.Unwatch(child);
            Context.Stop(child);
        }

        PostStop();
    }

    /// <summary>Called on the fresh instance. By default calls <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>
    /// Called for a message no behaviour handled. A <see cref="Terminated"/> of a watched actor fails this
    /// actor with <see cref="DeathPactException"/>; anything else is published as an UnhandledMessage, logged at debug and counted.
    /// </summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated)
        {
            throw new DeathPactException(terminated.ActorRef);
        }

        _cell.PublishUnhandled(message);
    }

    /// <summary>The strategy applied to this actor's children (unless its Props carry one).</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.DefaultStrategy;

    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void InvokePostRestart(Exception reason) => PostRestart(reason);

    internal void InvokeUnhandled(object message) => Unhandled(message);

    internal SupervisorStrategy InvokeSupervisorStrategy() => SupervisorStrategy();

    /// <summary>Called by the kernel once the constructor has returned.</summary>
    internal virtual void OnConstructed()
    {
    }
}

/// <summary>An actor with a single <see cref="OnReceive"/>; call <c>Unhandled</c> for what it does not handle.</summary>
public abstract class UntypedActor : ActorBase
{
    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    protected abstract void OnReceive(object message);
}
