using System.Diagnostics.Metrics;

namespace ActorLoki.Loki.Http;

/// <summary>
/// The client's instruments, on the meter <c>ActorLoki.Loki</c>, named as Prometheus series (the
/// exporter adds <c>_total</c> to counters). Tags are bounded: <c>outcome</c> is a
/// <see cref="PushResponseKind"/> (or <c>timeout</c>/<c>transport</c>), <c>reason</c> a <see cref="DropReason"/>.
/// </summary>
internal sealed class LokiMetrics : IDisposable
{
    public const string MeterName = "ActorLoki.Loki";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _requestBytes;
    private readonly Counter<long> _entries;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _truncated;
    private readonly Counter<long> _repaired;
    private long _requestCount;
    private long _bytesSent;
    private long _entriesAccepted;
    private long _truncatedCount;
    private long _repairedCount;
    private readonly long[] _droppedCounts = new long[DropReasons.All.Count];

    public LokiMetrics(IMeterFactory? factory)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("actorloki_push_requests", description: "Push requests answered or failed, by outcome.");
        _requestBytes = _meter.CreateCounter<long>("actorloki_push_request_bytes", unit: "By", description: "Bytes of push request bodies sent (compressed).");
        _entries = _meter.CreateCounter<long>("actorloki_push_entries", description: "Entries Loki stored.");
        _duration = _meter.CreateHistogram<double>("actorloki_push_duration_seconds", unit: "s", description: "Duration of push requests.");
        _dropped = _meter.CreateCounter<long>("actorloki_lines_dropped", description: "Lines dropped, by reason.");
        _truncated = _meter.CreateCounter<long>("actorloki_lines_truncated", description: "Lines truncated to max-line-bytes.");
        _repaired = _meter.CreateCounter<long>("actorloki_lines_utf8_repaired", description: "Lines whose invalid UTF-8 was replaced with U+FFFD.");
    }

    public LokiClientStatistics Snapshot() => new(
        Interlocked.Read(ref _requestCount),
        Interlocked.Read(ref _bytesSent),
        Interlocked.Read(ref _entriesAccepted),
        Interlocked.Read(ref _truncatedCount),
        Interlocked.Read(ref _repairedCount),
        DropReasons.All.Where(r => Interlocked.Read(ref _droppedCounts[(int)r]) > 0).ToDictionary(r => r, r => Interlocked.Read(ref _droppedCounts[(int)r])));

    public void Request(string outcome, long bytes, TimeSpan duration)
    {
        Interlocked.Increment(ref _requestCount);
        Interlocked.Add(ref _bytesSent, bytes);
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _requests.Add(1, tag);
        _requestBytes.Add(bytes);
        _duration.Record(duration.TotalSeconds, tag);
    }

    public void Accepted(int entries)
    {
        Interlocked.Add(ref _entriesAccepted, entries);
        _entries.Add(entries);
    }

    public void Dropped(DropReason reason, int lines)
    {
        Interlocked.Add(ref _droppedCounts[(int)reason], lines);
        _dropped.Add(lines, new KeyValuePair<string, object?>("reason", reason.Tag()));
    }

    public void Changed(int truncated, int repaired)
    {
        if (truncated > 0)
        {
            Interlocked.Add(ref _truncatedCount, truncated);
            _truncated.Add(truncated);
        }

        if (repaired > 0)
        {
            Interlocked.Add(ref _repairedCount, repaired);
            _repaired.Add(repaired);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
