using System.Diagnostics.Metrics;
using ActorLoki.Kubernetes.Informers;

namespace ActorLoki.Shipper;

/// <summary>
/// Every instrument of the shipper, in one place so their names stay consistent with the README, the
/// dashboard and the alert rules. Names are Prometheus names (the exporter adds <c>_total</c> to
/// counters); tags are bounded: namespace, reason, store — never pod or container.
/// </summary>
public sealed class ShipperMetrics : IDisposable
{
    public const string MeterName = "ActorLoki.Shipper";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private long _bufferedBytes;
    private long _lastPushSuccessUnixSeconds;
    private readonly List<Func<PodInformerStatistics>> _informers = [];
    private (long Expired, long Silent, long Failed) _retired;

    public ShipperMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _ownsMeter = meterFactory is null;

        LinesRead = _meter.CreateCounter<long>("actorloki_lines_read", description: "Log lines read from the Kubernetes API.");
        BytesRead = _meter.CreateCounter<long>("actorloki_bytes_read", "By", "Bytes of log lines read from the Kubernetes API.");
        LinesCut = _meter.CreateCounter<long>("actorloki_lines_cut", description: "Lines longer than tail.max-line-bytes, cut into pieces.");
        LinesMalformed = _meter.CreateCounter<long>("actorloki_lines_malformed", description: "Lines without a parsable kubelet timestamp (they keep the previous line's timestamp).");
        LinesSent = _meter.CreateCounter<long>("actorloki_lines_sent", description: "Log lines acknowledged by Loki.");
        BytesSent = _meter.CreateCounter<long>("actorloki_bytes_sent", "By", "Bytes of log lines acknowledged by Loki.");
        BatchesSent = _meter.CreateCounter<long>("actorloki_batches_sent", description: "Batches acknowledged by Loki.");
        PushRetries = _meter.CreateCounter<long>("actorloki_push_retries", description: "Pushes that failed and will be retried, by reason.");
        // Same name as the Loki client's counter (which counts what Loki refused): one family, reasons apart.
        LinesDropped = _meter.CreateCounter<long>("actorloki_lines_dropped", description: "Lines that will never reach Loki, by reason.");
        EndToEndLag = _meter.CreateHistogram<double>("actorloki_end_to_end_lag_seconds", "s", "Time from the kubelet's timestamp of a line to Loki's acknowledgement of it.");
        TailReopens = _meter.CreateCounter<long>("actorloki_tail_reopens", description: "Log streams reopened, by reason (error, ended, silent, max_age, restart).");
        InstancesUnseen = _meter.CreateCounter<long>("actorloki_container_instances_unseen", description: "Container instances that started and ended between two looks, whose lines could not be read.");
        PositionMismatches = _meter.CreateCounter<long>("actorloki_position_mismatches", description: "Resumes whose saved position did not match the log (rotated or replaced); lines were re-sent rather than lost.");
        PositionsSaved = _meter.CreateCounter<long>("actorloki_positions_saved", description: "Saves of the positions store, by store.");
        PositionsSaveFailures = _meter.CreateCounter<long>("actorloki_positions_save_failures", description: "Failed saves of the positions store, by store.");
        PositionsNotOwned = _meter.CreateCounter<long>("actorloki_positions_not_owned", description: "Acknowledged positions ignored because this replica no longer owns their stream (acknowledged after its release), by store.");
        _meter.CreateObservableCounter("actorloki_pod_watch_restarts", ObserveWatchRestarts, description: "Pod watches reopened other than at their normal end, by reason (expired, silent, failed).");
        ActiveTails = _meter.CreateUpDownCounter<long>("actorloki_active_tails", description: "Container log streams being followed.");
        _meter.CreateObservableGauge("actorloki_buffered_bytes", () => Interlocked.Read(ref _bufferedBytes), "By", "Bytes of lines read and not yet acknowledged by Loki.");
        _meter.CreateObservableGauge(
            "actorloki_last_push_success_timestamp_seconds",
            () => Interlocked.Read(ref _lastPushSuccessUnixSeconds),
            "s",
            "Unix time of the last push Loki acknowledged.");
    }

    public Counter<long> LinesRead { get; }

    public Counter<long> BytesRead { get; }

    public Counter<long> LinesCut { get; }

    public Counter<long> LinesMalformed { get; }

    public Counter<long> LinesSent { get; }

    public Counter<long> BytesSent { get; }

    public Counter<long> BatchesSent { get; }

    public Counter<long> PushRetries { get; }

    public Counter<long> LinesDropped { get; }

    public Histogram<double> EndToEndLag { get; }

    public Counter<long> TailReopens { get; }

    public Counter<long> InstancesUnseen { get; }

    public Counter<long> PositionMismatches { get; }

    public Counter<long> PositionsSaved { get; }

    public Counter<long> PositionsSaveFailures { get; }

    public Counter<long> PositionsNotOwned { get; }

    /// <summary>Includes an informer's figures in <c>actorloki_pod_watch_restarts</c> until the returned handle is disposed.</summary>
    public IDisposable ObserveInformer(Func<PodInformerStatistics> statistics)
    {
        lock (_informers)
        {
            _informers.Add(statistics);
        }

        return new Unregister(() =>
        {
            lock (_informers)
            {
                _informers.Remove(statistics);
            }

            // Counters only grow: what a stopped informer counted stays in the total.
            var last = statistics();
            lock (_informers)
            {
                _retired = (_retired.Expired + last.Expirations, _retired.Silent + last.SilentWatches, _retired.Failed + last.Failures);
            }
        });
    }

    private IEnumerable<Measurement<long>> ObserveWatchRestarts()
    {
        long expired, silent, failed;
        lock (_informers)
        {
            (expired, silent, failed) = _retired;
            foreach (var informer in _informers)
            {
                var s = informer();
                expired += s.Expirations;
                silent += s.SilentWatches;
                failed += s.Failures;
            }
        }

        return [new(expired, Reason("expired")), new(silent, Reason("silent")), new(failed, Reason("failed"))];
    }

    private sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    public UpDownCounter<long> ActiveTails { get; }

    /// <summary>Bytes buffered now (set by the batcher; read by the gauge, the demo and readiness).</summary>
    public long BufferedBytes
    {
        get => Interlocked.Read(ref _bufferedBytes);
        set => Interlocked.Exchange(ref _bufferedBytes, value);
    }

    /// <summary>When Loki last acknowledged a push, or null when it never did.</summary>
    public DateTimeOffset? LastPushSuccess
    {
        get
        {
            var seconds = Interlocked.Read(ref _lastPushSuccessUnixSeconds);
            return seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        set => Interlocked.Exchange(ref _lastPushSuccessUnixSeconds, value?.ToUnixTimeSeconds() ?? 0);
    }

    public static KeyValuePair<string, object?> Namespace(string name) => new("namespace", name);

    public static KeyValuePair<string, object?> Reason(string reason) => new("reason", reason);

    public static KeyValuePair<string, object?> Store(string store) => new("store", store);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
