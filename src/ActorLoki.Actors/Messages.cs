namespace ActorLoki.Actors;

/// <summary>Stops the receiving actor once the messages queued before it are handled.</summary>
public sealed class PoisonPill
{
    public static readonly PoisonPill Instance = new();

    private PoisonPill()
    {
    }
}

/// <summary>Makes the receiving actor fail with <see cref="ActorKilledException"/> (the default decider stops it).</summary>
public sealed class Kill
{
    public static readonly Kill Instance = new();

    private Kill()
    {
    }
}

/// <summary>Delivered to every watcher of an actor when it has stopped (see <see cref="IActorContext.Watch"/>).</summary>
public sealed record Terminated(IActorRef ActorRef);

/// <summary>Outcomes of an operation sent as messages (replies to Ask, results of PipeTo).</summary>
public static class Status
{
    public sealed record Success(object? Status);

    public sealed record Failure(Exception Cause);
}
