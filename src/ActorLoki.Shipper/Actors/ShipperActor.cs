using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Actors;

/// <summary>
/// The base of ActorLoki's actors: an Akka <see cref="ReceiveActor"/> that reports itself to
/// <see cref="ActorInspection"/> (kind, current behaviour, restarts) through Akka's lifecycle hooks, and
/// gives its code ActorLoki's logger (with the actor path), clock and a lifetime token that is cancelled
/// when the actor stops or restarts (Akka has none; pending I/O of a stopped actor must end).
/// </summary>
#pragma warning disable CA1001 // The token source has no timer: cancelling it at stop is all it needs; it is never disposed under a pending registration.
public abstract class ShipperActor : ReceiveActor
#pragma warning restore CA1001
{
    private readonly ActorServices _services;
    private readonly CancellationTokenSource _lifetime = new();
    private ILogger? _log;

    protected ShipperActor() => _services = ActorServices.Get(Context.System);

    /// <summary>ActorLoki's logger for this actor type; every event carries <c>ActorPath</c>.</summary>
    protected ILogger Log => _log ??= new ActorPathLogger(_services.LoggerFactory.CreateLogger(GetType()), Self.Path.ToStringWithoutAddress());

    /// <summary>The clock (the system scheduler's under TestKit, unless one is given).</summary>
    protected TimeProvider Time => _services.Time;

    protected ActorServices Services => _services;

    /// <summary>Cancelled when this actor instance stops or is restarted.</summary>
    protected CancellationToken LifetimeToken => _lifetime.Token;

    /// <summary>Akka's <c>Become</c>, also recording the behaviour's name for <c>/debug/actors</c>.</summary>
    protected new void Become(Action behavior)
    {
        ArgumentNullException.ThrowIfNull(behavior);
        base.Become(behavior);
        _services.Inspection.Became(Self, behavior.Method.Name);
    }

    public override void AroundPreStart()
    {
        _services.Inspection.Started(Self, GetType(), "Receive");
        base.AroundPreStart();
    }

    public override void AroundPreRestart(Exception cause, object message)
    {
        End();
        base.AroundPreRestart(cause, message);
    }

    public override void AroundPostRestart(Exception cause, object message)
    {
        _services.Inspection.Restarted(Self, GetType(), cause);
        base.AroundPostRestart(cause, message);
    }

    public override void AroundPostStop()
    {
        try
        {
            base.AroundPostStop();
        }
        finally
        {
            End();
            _services.Inspection.Stopped(Self, GetType());
        }
    }

    private void End() => _lifetime.Cancel();
}
