namespace ActorLoki.Actors;

/// <summary>Base of the kernel's exceptions.</summary>
public class AkkaException : Exception
{
    public AkkaException()
    {
    }

    public AkkaException(string message)
        : base(message)
    {
    }

    public AkkaException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An actor failed in its constructor, PreStart or PostRestart. The default decider stops it.</summary>
public sealed class ActorInitializationException : AkkaException
{
    public ActorInitializationException()
    {
    }

    public ActorInitializationException(string message)
        : base(message)
    {
    }

    public ActorInitializationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal ActorInitializationException(IActorRef actor, string message, Exception? innerException)
        : base($"{actor.Path}: {message}", innerException) => Actor = actor;

    public IActorRef? Actor { get; }
}

/// <summary>Thrown inside an actor that received <see cref="Kill"/>. The default decider stops it.</summary>
public sealed class ActorKilledException : AkkaException
{
    public ActorKilledException()
        : base("Kill")
    {
    }

    public ActorKilledException(string message)
        : base(message)
    {
    }

    public ActorKilledException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An actor did not handle the <see cref="Terminated"/> of an actor it watched. The default decider stops it.</summary>
public sealed class DeathPactException : AkkaException
{
    public DeathPactException()
    {
    }

    public DeathPactException(string message)
        : base(message)
    {
    }

    public DeathPactException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal DeathPactException(IActorRef deadActor)
        : base($"Monitored actor {deadActor.Path} terminated and its Terminated was not handled") => DeadActor = deadActor;

    public IActorRef? DeadActor { get; }
}

/// <summary>A child name is malformed or already taken by a live (or still stopping) child.</summary>
public sealed class InvalidActorNameException : AkkaException
{
    public InvalidActorNameException()
    {
    }

    public InvalidActorNameException(string message)
        : base(message)
    {
    }

    public InvalidActorNameException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An Ask got no reply within its timeout.</summary>
public sealed class AskTimeoutException : AkkaException
{
    public AskTimeoutException()
    {
    }

    public AskTimeoutException(string message)
        : base(message)
    {
    }

    public AskTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Sent back as <see cref="Status.Failure"/> to the sender of a message refused by a full bounded mailbox
/// whose policy is <see cref="OverflowPolicy.FailSender"/>.
/// </summary>
public sealed class MailboxFullException : AkkaException
{
    public MailboxFullException()
    {
    }

    public MailboxFullException(string message)
        : base(message)
    {
    }

    public MailboxFullException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The actor did something its state does not allow (e.g. stashing the same message twice).</summary>
public sealed class IllegalActorStateException : AkkaException
{
    public IllegalActorStateException()
    {
    }

    public IllegalActorStateException(string message)
        : base(message)
    {
    }

    public IllegalActorStateException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
