using Microsoft.Extensions.Logging;

namespace ActorLoki.Actors.Event;

/// <summary>
/// Publish/subscribe of system events (<see cref="DeadLetter"/>, <see cref="ActorStarted"/>, ...) by type:
/// a subscriber to a type gets every event assignable to it. Actor subscribers receive events as messages
/// and are unsubscribed when they stop. Callback subscribers run synchronously on the publishing thread
/// (often an actor's turn): they must be fast, must not block, and their exceptions are logged and swallowed.
/// </summary>
public sealed class EventStream
{
    private readonly Lock _gate = new();
    private readonly ILogger _log;
    private Subscription[] _subscriptions = [];

    internal EventStream(ILogger log) => _log = log;

    internal bool HasSubscribers => Volatile.Read(ref _subscriptions).Length > 0;

    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            if (_subscriptions.Any(s => ReferenceEquals(s.Actor, subscriber) && s.Channel == channel))
            {
                return false;
            }

            _subscriptions = [.. _subscriptions, new Subscription(channel, subscriber, null)];
            return true;
        }
    }

    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return Remove(s => ReferenceEquals(s.Actor, subscriber) && s.Channel == channel);
    }

    public bool Unsubscribe(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return Remove(s => ReferenceEquals(s.Actor, subscriber));
    }

    /// <summary>Calls <paramref name="handler"/> for every event of type <typeparamref name="T"/>; dispose the result to stop.</summary>
    public IDisposable Subscribe<T>(Action<T> handler)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(typeof(T), null, e => handler((T)e));
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return new Unsubscriber(this, subscription);
    }

    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (!subscription.Channel.IsInstanceOfType(@event))
            {
                continue;
            }

            if (subscription.Actor is { } actor)
            {
                actor.Tell(@event, null);
                continue;
            }

            try
            {
                subscription.Callback!(@event);
            }
            catch (Exception error)
            {
                KernelLog.SubscriberFailed(_log, @event.GetType().Name, error);
            }
        }
    }

    private bool Remove(Func<Subscription, bool> match)
    {
        lock (_gate)
        {
            var kept = _subscriptions.Where(s => !match(s)).ToArray();
            if (kept.Length == _subscriptions.Length)
            {
                return false;
            }

            _subscriptions = kept;
            return true;
        }
    }

    private sealed record Subscription(Type Channel, IActorRef? Actor, Action<object>? Callback);

    private sealed class Unsubscriber(EventStream stream, Subscription subscription) : IDisposable
    {
        public void Dispose() => stream.Remove(s => ReferenceEquals(s, subscription));
    }
}
