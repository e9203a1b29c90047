namespace ActorLoki.Actors.Dispatch;

/// <summary>
/// A kernel message. System messages are handled before user messages and are never bounded; each
/// instance is enqueued once (it is a node of the mailbox's intrusive list).
/// </summary>
internal abstract class SystemMessage
{
    internal SystemMessage? Next;
}

internal sealed class Create : SystemMessage;

internal sealed class Terminate : SystemMessage;

internal sealed class Recreate(Exception cause) : SystemMessage
{
    public Exception Cause { get; } = cause;
}

internal sealed class Suspend : SystemMessage;

internal sealed class Resume(Exception? causedByFailure) : SystemMessage
{
    public Exception? CausedByFailure { get; } = causedByFailure;
}

/// <summary>Sent by a failed child to its parent.</summary>
internal sealed class Failed(IInternalActorRef child, Exception cause) : SystemMessage
{
    public IInternalActorRef Child { get; } = child;

    public Exception Cause { get; } = cause;
}

/// <summary>Sent to <see cref="Watchee"/>: <see cref="Watcher"/> wants a notification when it stops.</summary>
internal sealed class Watch(IInternalActorRef watchee, IInternalActorRef watcher) : SystemMessage
{
    public IInternalActorRef Watchee { get; } = watchee;

    public IInternalActorRef Watcher { get; } = watcher;
}

internal sealed class Unwatch(IInternalActorRef watchee, IInternalActorRef watcher) : SystemMessage
{
    public IInternalActorRef Watchee { get; } = watchee;

    public IInternalActorRef Watcher { get; } = watcher;
}

/// <summary>Tells a watcher (and the parent) that <see cref="Actor"/> has stopped.</summary>
internal sealed class DeathWatchNotification(IActorRef actor) : SystemMessage
{
    public IActorRef Actor { get; } = actor;
}

/// <summary>A continuation of an async handler, posted through the actor's synchronization context.</summary>
internal sealed class RunContinuation(SendOrPostCallback callback, object? state, int incarnation) : SystemMessage
{
    public SendOrPostCallback Callback { get; } = callback;

    public object? State { get; } = state;

    public int Incarnation { get; } = incarnation;
}

/// <summary>The task of an async handler has completed: resume the user mailbox.</summary>
internal sealed class AsyncHandlerCompleted(Task task, int incarnation) : SystemMessage
{
    public Task Task { get; } = task;

    public int Incarnation { get; } = incarnation;
}
