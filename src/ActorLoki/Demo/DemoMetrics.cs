using ActorLoki.Metrics;

namespace ActorLoki.Demo;

/// <summary>
/// The numbers of the demo's live summary, read from the same snapshot <c>/metrics</c> serves. Lag
/// quantiles come from the end-to-end lag histogram's buckets, interpolated as Prometheus'
/// <c>histogram_quantile</c> does, over the lines acknowledged since the previous sample.
/// </summary>
internal sealed record DemoMetrics(
    double LinesRead,
    double LinesSent,
    double LinesDropped,
    double PushRetries,
    double ActiveTails,
    double InstancesEnded,
    double BufferedBytes,
    IReadOnlyList<double> LagBounds,
    long[] LagBuckets)
{
    public const string LagFamily = "actorloki_end_to_end_lag_seconds";

    public static DemoMetrics From(IReadOnlyList<MetricFamilySnapshot> families)
    {
        var byName = families.ToDictionary(f => f.Name, StringComparer.Ordinal);
        double Sum(string name, string? reason = null) =>
            byName.TryGetValue(name, out var family) ? family.Sum(labels => reason is null || labels.Any(l => l.Key == "reason" && l.Value == reason)) : 0;

        var lag = byName.GetValueOrDefault(LagFamily);
        var buckets = new long[(lag?.Bounds.Count ?? 0) + 1];
        foreach (var series in lag?.Series ?? [])
        {
            for (var b = 0; b < series.BucketCounts!.Length; b++)
            {
                buckets[b] += series.BucketCounts[b];
            }

            // The last slot counts what fell above every bound (+Inf).
            buckets[^1] += series.Count - series.BucketCounts.Sum();
        }

        return new DemoMetrics(
            Sum("actorloki_lines_read_total"),
            Sum("actorloki_lines_sent_total"),
            Sum("actorloki_lines_dropped_total"),
            Sum("actorloki_push_retries_total"),
            Sum("actorloki_active_tails"),
            Sum("actorloki_tail_reopens_total", "instance_ended"),
            Sum("actorloki_buffered_bytes"),
            lag?.Bounds ?? [],
            buckets);
    }

    /// <summary>The figures of several shippers (the demo's replicas) added up; their lag histograms have the same buckets.</summary>
    public static DemoMetrics Sum(IEnumerable<DemoMetrics> all)
    {
        var list = all.ToList();
        var bounds = list.Select(m => m.LagBounds).FirstOrDefault(b => b.Count > 0) ?? [];
        var buckets = new long[bounds.Count + 1];
        foreach (var m in list.Where(m => m.LagBuckets.Length == buckets.Length))
        {
            for (var b = 0; b < buckets.Length; b++)
            {
                buckets[b] += m.LagBuckets[b];
            }
        }

        return new DemoMetrics(
            list.Sum(m => m.LinesRead),
            list.Sum(m => m.LinesSent),
            list.Sum(m => m.LinesDropped),
            list.Sum(m => m.PushRetries),
            list.Sum(m => m.ActiveTails),
            list.Sum(m => m.InstancesEnded),
            list.Sum(m => m.BufferedBytes),
            bounds,
            buckets);
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile of the lag of lines acknowledged after <paramref name="earlier"/> was
    /// taken, or null when none were.
    /// </summary>
    public double? LagQuantileSince(DemoMetrics? earlier, double q)
    {
        var counts = LagBuckets.Select((count, b) => count - (earlier is { } e && b < e.LagBuckets.Length ? e.LagBuckets[b] : 0)).ToArray();
        return HistogramQuantile(LagBounds, counts, q);
    }

    /// <summary>
    /// Prometheus' <c>histogram_quantile</c> over per-bucket (not cumulative) counts, the last being +Inf: linear
    /// interpolation inside the bucket that holds the quantile; the highest finite bound when it falls in +Inf.
    /// </summary>
    public static double? HistogramQuantile(IReadOnlyList<double> bounds, IReadOnlyList<long> counts, double q)
    {
        var total = counts.Sum();
        if (total <= 0 || bounds.Count == 0)
        {
            return null;
        }

        var rank = q * total;
        long cumulative = 0;
        for (var b = 0; b < counts.Count; b++)
        {
            var before = cumulative;
            cumulative += counts[b];
            if (cumulative < rank || counts[b] == 0)
            {
                continue;
            }

            if (b >= bounds.Count)
            {
                return bounds[^1];
            }

            var lower = b == 0 ? 0 : bounds[b - 1];
            return lower + ((bounds[b] - lower) * (rank - before) / counts[b]);
        }

        return bounds[^1];
    }
}
