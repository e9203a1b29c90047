using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

/// <summary>The ref of no actor: messages are dropped, a watch is answered at once with Terminated.</summary>
public sealed class Nobody : IInternalActorRef
{
    public static readonly Nobody Instance = new();

    private Nobody()
    {
    }

    public ActorPath Path { get; } = ActorPath.Root / "Nobody";

    public void Tell(object message, IActorRef? sender)
    {
    }

    void IInternalActorRef.SendSystemMessage(SystemMessage message)
    {
        if (message is Watch watch)
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this));
        }
    }

    public override string ToString() => Path.ToString();
}
