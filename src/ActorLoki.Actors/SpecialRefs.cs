using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

/// <summary><c>/deadLetters</c>: every message told to it is a dead letter; a watch is answered with Terminated.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system) : IInternalActorRef
{
    public ActorPath Path { get; } = ActorPath.Root / "deadLetters";

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        system.DeadLetter(message, sender, this);
    }

    public void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch watch)
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this));
        }
    }

    public override string ToString() => Path.ToString();
}

/// <summary>
/// The parent of the guardians (<c>/</c>): a failure escalated to it stops the failed guardian, and
/// the guardians' termination drives the system's.
/// </summary>
internal sealed class RootGuardianRef(ActorSystem system) : IInternalActorRef
{
    public ActorPath Path => ActorPath.Root;

    public void Tell(object message, IActorRef? sender) => system.DeadLetter(message, sender, this);

    public void SendSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Failed failed:
                KernelLog.EscalatedToRoot(system.Log, failed.Child.Path, failed.Cause);
                failed.Child.SendSystemMessage(new Terminate());
                break;
            case DeathWatchNotification notification:
                system.GuardianStopped(notification.Actor);
                break;
        }
    }

    public override string ToString() => "/";
}

/// <summary>The actor of <c>/user</c> and <c>/system</c>: supervises top-level actors, handles nothing itself.</summary>
internal sealed class GuardianActor : ActorBase
{
    protected override bool Receive(object message) => false;
}
