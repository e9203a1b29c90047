using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Actors;

/// <summary>
/// Akka's one-for-one strategy with two additions Akka's own lacks: a decision by child (children that
/// <paramref name="escalates"/> names escalate whatever failed), and its decisions logged through ActorLoki's
/// loggers as event 1001 (category <see cref="Category"/>) with the actor path and the directive, except a
/// restart of one of ActorLoki's actors, which that actor reports itself (9101, with the attempt).
/// </summary>
/// <param name="escalates">Children whose failure escalates, whatever it is.</param>
/// <param name="maxNrOfRetries">Restarts allowed within <paramref name="withinTimeRange"/> before the child is stopped; null for no limit.</param>
/// <param name="withinTimeRange">The window of <paramref name="maxNrOfRetries"/>; null for no window.</param>
/// <param name="decider">The directive by cause; Akka's default decider (restart, but stop on a kill or a failed start) when null.</param>
public sealed partial class ShipperSupervisorStrategy(Func<IActorRef, bool>? escalates = null, int? maxNrOfRetries = null, TimeSpan? withinTimeRange = null, Func<Exception, Directive>? decider = null)
    : OneForOneStrategy(maxNrOfRetries, withinTimeRange, decider ?? (static cause => DefaultDecider.Decide(cause)))
{
    /// <summary>The logger category of supervision events.</summary>
    public const string Category = "ActorLoki.Actors";

    protected override Directive Handle(IActorRef child, Exception exception) =>
        escalates is not null && escalates(child) ? Directive.Escalate : base.Handle(child, exception);

    protected override void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(child);
        var services = ActorServices.Get(context.System);
        if (directive == Directive.Restart && services.Inspection.KindOf(child) is not null)
        {
            return;
        }

        LogChildFailed(services.LoggerFactory.CreateLogger(Category), cause, child.Path.ToStringWithoutAddress(), cause.GetType().Name, directive);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Actor {ActorPath} failed with {Cause}; its supervisor decided {Directive}")]
    private static partial void LogChildFailed(ILogger logger, Exception exception, string actorPath, string cause, Directive directive);
}
