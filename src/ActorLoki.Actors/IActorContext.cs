using Microsoft.Extensions.Logging;

namespace ActorLoki.Actors;

/// <summary>A behaviour: handles a message and says whether it did.</summary>
public delegate bool Receive(object message);

/// <summary>
/// What an actor sees of itself and the system. Use it only from the actor's own handlers (it is not
/// thread-safe); code after an <c>await ... ConfigureAwait(false)</c> runs off the actor and must not use it.
/// </summary>
public interface IActorContext
{
    IActorRef Self { get; }

    IActorRef Parent { get; }

    /// <summary>The sender of the message being handled, or the dead-letters ref when it had none.</summary>
    IActorRef Sender { get; }

    ActorSystem System { get; }

    Props Props { get; }

    /// <summary>A logger whose category is the actor type; each entry carries the actor path as a scope.</summary>
    ILogger Log { get; }

    /// <summary>
    /// Cancelled when this incarnation ends: when the actor stops or restarts. Pass it to awaited I/O in
    /// async handlers and piped reads so they end with the actor.
    /// </summary>
    CancellationToken LifetimeToken { get; }

    IEnumerable<IActorRef> GetChildren();

    /// <summary>The live child with this name, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>Creates a child. Names are unique among live children; null picks a unique <c>$</c> name.</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Stops a child (its children first) or, for <see cref="Self"/>, this actor after the current message.</summary>
    void Stop(IActorRef actor);

    /// <summary>Delivers <see cref="Terminated"/> when <paramref name="subject"/> stops (at once if it already has).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Like <see cref="Watch"/>, but delivers <paramref name="message"/> instead of <see cref="Terminated"/>.</summary>
    IActorRef WatchWith(IActorRef subject, object message);

    /// <summary>Stops watching; a Terminated already queued for the subject is not delivered.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour; <see cref="UnbecomeStacked"/> returns to the previous one.</summary>
    void BecomeStacked(Receive receive);

    void UnbecomeStacked();
}
