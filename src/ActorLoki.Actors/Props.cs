namespace ActorLoki.Actors;

/// <summary>
/// How to create an actor: its factory, its mailbox and the strategy it applies to its own children.
/// Immutable; a restart calls <see cref="Factory"/> again for a fresh instance.
/// </summary>
public sealed record Props
{
    private Props(Type actorType, Func<ActorBase> factory)
    {
        ActorType = actorType;
        Factory = factory;
    }

    /// <summary>The declared actor type (used for logs, metrics and the tree snapshot).</summary>
    public Type ActorType { get; }

    /// <summary>Creates a new instance; called on start and on every restart.</summary>
    public Func<ActorBase> Factory { get; }

    /// <summary>The mailbox; null uses <see cref="ActorSystemSettings.DefaultMailbox"/>.</summary>
    public MailboxOptions? Mailbox { get; init; }

    /// <summary>The strategy this actor applies to its children; null uses the actor's <c>SupervisorStrategy()</c>.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; init; }

    public static Props Create<TActor>(Func<TActor> factory)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(typeof(TActor), factory);
    }

    public static Props Create<TActor>()
        where TActor : ActorBase, new() => new(typeof(TActor), static () => new TActor());

    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => this with { SupervisorStrategy = strategy };

    public Props WithMailbox(MailboxOptions mailbox) => this with { Mailbox = mailbox };

    /// <summary>A bounded mailbox; <paramref name="capacity"/> null takes <see cref="ActorSystemSettings.DefaultMailboxCapacity"/>.</summary>
    public Props WithBoundedMailbox(int? capacity = null, OverflowPolicy overflow = OverflowPolicy.DropNewest) =>
        this with { Mailbox = MailboxOptions.Bounded(capacity, overflow) };
}

/// <summary>What a full bounded mailbox does with one more message. Every overflow is reported (event stream and counter).</summary>
public enum OverflowPolicy
{
    /// <summary>The incoming message is dropped.</summary>
    DropNewest,

    /// <summary>The oldest queued message is dropped to make room for the incoming one.</summary>
    DropOldest,

    /// <summary>The incoming message is refused and its sender gets <see cref="Status.Failure"/> with a <see cref="MailboxFullException"/>.</summary>
    FailSender,
}

/// <summary>A user mailbox: unbounded, or bounded with an overflow policy. System messages are never bounded.</summary>
public sealed record MailboxOptions(bool IsBounded, int? Capacity = null, OverflowPolicy Overflow = OverflowPolicy.DropNewest)
{
    public static readonly MailboxOptions Unbounded = new(false);

    public static MailboxOptions Bounded(int? capacity = null, OverflowPolicy overflow = OverflowPolicy.DropNewest)
    {
        if (capacity is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A bounded mailbox needs a positive capacity.");
        }

        return new MailboxOptions(true, capacity, overflow);
    }
}
