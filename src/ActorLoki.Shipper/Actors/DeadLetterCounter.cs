using Akka.Actor;
using Akka.Event;

namespace ActorLoki.Shipper.Actors;

/// <summary>
/// Counts what Akka sends to dead letters (messages to stopped actors, dropped messages) and what no
/// behaviour handled, for <c>actorloki_dead_letters</c> and <c>actorloki_unhandled_messages</c>. Akka logs
/// dead letters itself (through Akka.Logger.Serilog in the executable); this adds the numbers.
/// </summary>
public sealed class DeadLetterCounter : ReceiveActor
{
    public DeadLetterCounter(ActorInspection inspection)
    {
        Receive<AllDeadLetters>(letter =>
        {
            var kind = inspection.KindOf(letter.Recipient) ?? "unknown";
            inspection.DeadLetters.Add(1, new KeyValuePair<string, object?>("kind", kind));
        });
        Receive<UnhandledMessage>(unhandled =>
        {
            var kind = inspection.KindOf(unhandled.Recipient) ?? "unknown";
            inspection.Unhandled.Add(1, new KeyValuePair<string, object?>("kind", kind));
        });
    }

    /// <summary>Starts the counter of <paramref name="system"/> as a system actor (it is not part of the shipper's tree).</summary>
    public static void Start(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var inspection = ActorServices.Get(system).Inspection;
        var counter = ((ExtendedActorSystem)system).SystemActorOf(Props.Create(() => new DeadLetterCounter(inspection)), "actorloki-dead-letters");
        system.EventStream.Subscribe(counter, typeof(AllDeadLetters));
        system.EventStream.Subscribe(counter, typeof(UnhandledMessage));
    }
}
