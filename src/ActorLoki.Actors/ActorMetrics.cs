using System.Diagnostics.Metrics;

namespace ActorLoki.Actors;

/// <summary>
/// The <c>ActorLoki.Actors</c> meter. Names are Prometheus-style (the exporter adds <c>_total</c> to
/// counters); the only tag is <c>kind</c>, the actor type name, so cardinality stays bounded.
/// </summary>
internal sealed class ActorMetrics : IDisposable
{
    public const string MeterName = "ActorLoki.Actors";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ActorMetrics(ActorSystem system, IMeterFactory? factory)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        Restarts = _meter.CreateCounter<long>("actorloki_actor_restarts", "{restart}", "Actor restarts by supervisors, by actor type.");
        DeadLetters = _meter.CreateCounter<long>("actorloki_dead_letters", "{message}", "Messages sent to stopped actors or to dead letters.");
        Unhandled = _meter.CreateCounter<long>("actorloki_unhandled_messages", "{message}", "Messages no behaviour handled, by actor type.");
        MailboxOverflows = _meter.CreateCounter<long>("actorloki_mailbox_overflows", "{message}", "Messages dropped or refused by full bounded mailboxes, by actor type.");
        BackoffRestarts = _meter.CreateCounter<long>("actorloki_backoff_restarts", "{restart}", "Child restarts scheduled by back-off supervisors, by child actor type.");
        _meter.CreateObservableGauge("actorloki_actors", () => PerKind(system, static _ => 1), "{actor}", "Live actors, by actor type.");
        _meter.CreateObservableGauge("actorloki_mailbox_depth", () => PerKind(system, static cell => cell.Mailbox.Count), "{message}", "User messages waiting in mailboxes, summed by actor type.");
    }

    public Counter<long> Restarts { get; }

    public Counter<long> DeadLetters { get; }

    public Counter<long> Unhandled { get; }

    public Counter<long> MailboxOverflows { get; }

    public Counter<long> BackoffRestarts { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static IEnumerable<Measurement<int>> PerKind(ActorSystem system, Func<ActorCell, int> value)
    {
        var sums = new Dictionary<string, int>(StringComparer.Ordinal);
        system.VisitActors(cell =>
        {
            if (!cell.IsGuardian)
            {
                sums[cell.Kind] = sums.GetValueOrDefault(cell.Kind) + value(cell);
            }
        });
        return sums.Select(static kv => new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key)));
    }
}
