using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorLoki.Actors;

/// <summary>
/// An actor whose handlers are registered per message type, in the constructor (the initial behaviour)
/// or inside a method passed to <see cref="Become"/>. Handlers are tried in registration order; the first
/// whose type (and predicate) matches handles the message.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private HandlerSet? _registering = new();
    private HandlerSet _initial = HandlerSet.Empty;

    protected sealed override bool Receive(object message) => _initial.Handle(message);

    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (handler.Method.IsDefined(typeof(AsyncStateMachineAttribute), false))
        {
            // An async lambda passed as Action<T> compiles to a void-returning async method: it would run concurrently with the next message.
            throw new ArgumentException("This handler is an async lambda returning void; register it with ReceiveAsync.", nameof(handler));
        }

        Registering().Add(new Handler<T>(handler, shouldHandle));
    }

    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) => Receive(handler, shouldHandle);

    /// <summary>
    /// An async handler: the next user message waits until the returned task completes (system messages
    /// still run, so the actor can be stopped meanwhile). Awaits inside resume on the actor. If the actor
    /// stops or restarts first, <see cref="IActorContext.LifetimeToken"/> is cancelled and the rest of the
    /// handler never runs on the actor.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Registering().Add(new AsyncHandler<T>(Cell, handler, shouldHandle));
    }

    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler) => ReceiveAsync(handler, shouldHandle);

    /// <summary>Handles every message not matched by an earlier handler; nothing may be registered after it.</summary>
    protected void ReceiveAny(Action<object> handler) => Receive(handler);

    protected void ReceiveAnyAsync(Func<object, Task> handler) => ReceiveAsync(handler);

    /// <summary>Replaces the behaviour with the handlers <paramref name="configure"/> registers; its method name becomes the behaviour name.</summary>
    protected void Become(Action configure) => Cell.Become(Build(configure), configure.Method.Name, discardOld: true);

    /// <summary>Pushes the handlers <paramref name="configure"/> registers; <see cref="UnbecomeStacked"/> pops them.</summary>
    protected void BecomeStacked(Action configure) => Cell.Become(Build(configure), configure.Method.Name, discardOld: false);

    protected void UnbecomeStacked() => Cell.UnbecomeStacked();

    internal override void OnConstructed()
    {
        _initial = _registering ?? HandlerSet.Empty;
        _registering = null;
    }

    private Receive Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var outer = _registering;
        var set = new HandlerSet();
        _registering = set;
        try
        {
            configure();
        }
        finally
        {
            _registering = outer;
        }

        return set.Handle;
    }

    private HandlerSet Registering() =>
        _registering ?? throw new InvalidOperationException("Handlers are registered only in the constructor or inside Become.");

    private sealed class HandlerSet
    {
        public static readonly HandlerSet Empty = new();

        private readonly List<Handler> _handlers = [];
        private bool _catchAll;

        public void Add(Handler handler)
        {
            if (_catchAll)
            {
                throw new InvalidOperationException("A handler for every message is already registered; no handler can follow it.");
            }

            _handlers.Add(handler);
            _catchAll = handler.CatchesAll;
        }

        public bool Handle(object message)
        {
            foreach (var handler in CollectionsMarshal.AsSpan(_handlers))
            {
                if (handler.TryHandle(message))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private abstract class Handler
    {
        public abstract bool CatchesAll { get; }

        public abstract bool TryHandle(object message);
    }

    private sealed class Handler<T>(Action<T> action, Predicate<T>? predicate) : Handler
    {
        public override bool CatchesAll => typeof(T) == typeof(object) && predicate is null;

        public override bool TryHandle(object message)
        {
            if (message is T typed && (predicate is null || predicate(typed)))
            {
                action(typed);
                return true;
            }

            return false;
        }
    }

    private sealed class AsyncHandler<T>(ActorCell cell, Func<T, Task> action, Predicate<T>? predicate) : Handler
    {
        public override bool CatchesAll => typeof(T) == typeof(object) && predicate is null;

        public override bool TryHandle(object message)
        {
            if (message is T typed && (predicate is null || predicate(typed)))
            {
                cell.RunTask(action, typed);
                return true;
            }

            return false;
        }
    }
}
