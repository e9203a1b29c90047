namespace ActorLoki.Actors;

/// <summary>
/// A handle to an actor: the only way to talk to it. Two refs are equal when they denote the same
/// actor incarnation chain (the same cell); a new actor created later under the same name is a
/// different actor with an equal <see cref="Path"/>.
/// </summary>
public interface IActorRef
{
    ActorPath Path { get; }

    /// <summary>Enqueues <paramref name="message"/>; never blocks. <paramref name="sender"/> may be <see cref="ActorRefs.NoSender"/>.</summary>
    void Tell(object message, IActorRef? sender);
}

/// <summary>A reference that also accepts system messages (kernel-internal).</summary>
internal interface IInternalActorRef : IActorRef
{
    void SendSystemMessage(Dispatch.SystemMessage message);
}

/// <summary>Well-known refs, named as in Akka.NET.</summary>
public static class ActorRefs
{
    /// <summary>No sender: replies go to dead letters.</summary>
    public static readonly IActorRef? NoSender;

    /// <summary>A ref that silently drops every message; answers a watch with <see cref="Terminated"/>.</summary>
    public static IActorRef Nobody => Actors.Nobody.Instance;
}

/// <summary>Implicit-sender conveniences, as in Akka.NET.</summary>
public static class ActorRefExtensions
{
    /// <summary>Tells with the current actor as sender when called inside an actor, otherwise with no sender.</summary>
    public static void Tell(this IActorRef receiver, object message)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        receiver.Tell(message, ActorCell.Current?.Self);
    }

    /// <summary>Tells with the sender of the message being handled (inside an actor), keeping the original sender.</summary>
    public static void Forward(this IActorRef receiver, object message)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        receiver.Tell(message, ActorCell.Current?.CurrentSender);
    }
}
