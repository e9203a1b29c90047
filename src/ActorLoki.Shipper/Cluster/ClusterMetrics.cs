using System.Diagnostics.Metrics;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// The instruments of a clustered node, on a meter of their own that exists only when clustering is on (a
/// single replica exports none of them): members by status, this node's shards and stream entities, and
/// hand-overs by outcome. Gauges read what the cluster and the shard region report, through
/// <see cref="Observe"/>.
/// </summary>
public sealed class ClusterMetrics : IDisposable
{
    public const string MeterName = "ActorLoki.Cluster";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _handOvers;
    private long _entities;
    private volatile Func<IEnumerable<KeyValuePair<string, int>>> _members = static () => [];
    private volatile Func<int> _shards = static () => 0;

    public ClusterMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _ownsMeter = meterFactory is null;
        _meter.CreateObservableGauge("actorloki_cluster_members", ObserveMembers, description: "Members of the ActorLoki cluster as this node sees them, by status (up, joining, leaving, exiting, down, unreachable ...).");
        _meter.CreateObservableGauge("actorloki_cluster_shards", () => _shards(), description: "Stream shards hosted on this node.");
        _meter.CreateObservableGauge("actorloki_cluster_entities", () => Interlocked.Read(ref _entities), description: "Container streams followed on this node (stream entities with a running tail).");
        _handOvers = _meter.CreateCounter<long>("actorloki_cluster_handovers", description: "Streams this node let go of, by outcome (handed-over, ended, released; -unsaved when lines or the position were left unsettled at the deadline).");
    }

    /// <summary>Where the gauges read members (status → count) and this node's shard count.</summary>
    public void Observe(Func<IEnumerable<KeyValuePair<string, int>>> members, Func<int> shards)
    {
        _members = members;
        _shards = shards;
    }

    /// <summary>Streams followed on this node now.</summary>
    public long Entities => Interlocked.Read(ref _entities);

    public void EntityStarted() => Interlocked.Increment(ref _entities);

    public void EntityStopped() => Interlocked.Decrement(ref _entities);

    public void HandOver(string outcome) => _handOvers.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<int>> ObserveMembers() =>
        _members().Select(static m => new Measurement<int>(m.Value, new KeyValuePair<string, object?>("status", m.Key)));
}
