using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorLoki.Shipper.Actors;

/// <summary>
/// ActorLoki's mailbox: unbounded (the credit scheme bounds memory, and Akka's bounded mailbox would block
/// the sending dispatcher thread when full) and deque-based (so stashing actors get it too), and known to
/// <see cref="ActorInspection"/>, which reads its depth for <c>/debug/actors</c> and the mailbox metric.
/// Akka has no public way to read another actor's mailbox depth; a mailbox type of our own is the public one.
/// </summary>
public sealed class InspectedMailbox(Akka.Actor.Settings settings, Config config)
    : MailboxType(settings, config), IProducesMessageQueue<InspectedQueue>
{
    public override IMessageQueue Create(IActorRef owner, ActorSystem system)
    {
        var queue = new InspectedQueue();
        if (owner is not null && system is not null && ActorInspection.IsInspected(owner.Path))
        {
            queue.Inspection = ActorServices.Get(system).Inspection;
            queue.Inspection.Track(owner, queue);
        }

        return queue;
    }
}

/// <summary>An unbounded deque whose owner's entry leaves the inspection registry when the mailbox is closed.</summary>
public sealed class InspectedQueue : IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    private readonly UnboundedDequeMessageQueue _inner = new();

    internal ActorInspection? Inspection { get; set; }

    public bool HasMessages => _inner.HasMessages;

    public int Count => _inner.Count;

    public void Enqueue(IActorRef receiver, Envelope envelope) => _inner.Enqueue(receiver, envelope);

    public bool TryDequeue(out Envelope envelope) => _inner.TryDequeue(out envelope);

    public void EnqueueFirst(Envelope envelope) => _inner.EnqueueFirst(envelope);

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        _inner.CleanUp(owner, deadletters);
        Inspection?.Forget(owner);
    }
}
