using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

/// <summary>The ref of an actor in this process: one per actor, so reference equality is actor identity.</summary>
internal sealed class LocalActorRef(ActorCell cell, ActorPath path) : IInternalActorRef
{
    public ActorPath Path { get; } = path;

    internal ActorCell Cell { get; } = cell;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Mailbox.Post(message, sender);
    }

    public void SendSystemMessage(SystemMessage message) => Cell.Mailbox.PostSystem(message);

    public override string ToString() => Path.ToString();
}
