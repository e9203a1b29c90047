using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ActorLoki.Metrics;

/// <summary>
/// Collects every instrument of the ActorLoki meters through a <see cref="MeterListener"/> and renders
/// them in the Prometheus text exposition format 0.0.4 or, when the scraper asks, OpenMetrics 1.0.0. Counters
/// become <c>_total</c> series, up-down counters and gauges become gauges, histograms get cumulative
/// <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series. Kept over prometheus-net 8.2.1's meter adapter, which
/// renames every instrument (meter name prefixed, no <c>_total</c>) and serves counters as gauges, so the
/// dashboard and alerts would break (docs/performance.md has the comparison).
/// </summary>
/// <remarks>
/// Instrument names are already Prometheus names (<c>actorloki_lines_read</c>); anything else is
/// sanitised. Measurements are aggregated in place, keyed by their tag set, so recording is a dictionary
/// lookup and an interlocked add; a scrape renders a consistent-enough snapshot without stopping writers.
/// </remarks>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>Default histogram buckets, in seconds: from 1 ms to 5 minutes.</summary>
    public static readonly IReadOnlyList<double> DefaultBuckets =
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Func<Meter, bool> _meterFilter;
    private readonly Func<string, IReadOnlyList<double>> _bucketsFor;
    private readonly Lock _renderGate = new();
    private readonly Lock _textGate = new();
    private readonly StringBuilder _text = new(16 * 1024);

    public PrometheusExporter(Func<Meter, bool>? meterFilter = null, Func<string, IReadOnlyList<double>>? bucketsFor = null)
    {
        _meterFilter = meterFilter ?? (meter => meter.Name.StartsWith("ActorLoki", StringComparison.Ordinal));
        _bucketsFor = bucketsFor ?? (_ => DefaultBuckets);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meterFilter(instrument.Meter))
            {
                _families.GetOrAdd(instrument, i => new Family(i, _bucketsFor(i.Name)));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _families.TryRemove(instrument, out Family? _);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The content type of <see cref="Render"/>'s text format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The content type of <see cref="Render"/>'s OpenMetrics 1.0.0.</summary>
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>
    /// Whether a scraper's <c>Accept</c> header asks for OpenMetrics (Prometheus sends it first, with the text
    /// format as a fallback); everything else gets the text format.
    /// </summary>
    public static bool AcceptsOpenMetrics(string? accept) =>
        accept is not null
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParseList(accept.Split(','), out var types)
        && types.Any(t => t.MediaType.Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase) && t.Quality is not 0);

    /// <summary>
    /// Answers a scrape: OpenMetrics when the scraper accepts it, the text format otherwise, written as UTF-8
    /// straight into the response (no string of the whole exposition).
    /// </summary>
    public async Task ServeAsync(HttpContext context)
    {
        var openMetrics = AcceptsOpenMetrics(context.Request.Headers.Accept);
        context.Response.ContentType = openMetrics ? OpenMetricsContentType : ContentType;
        lock (_textGate)
        {
            RenderLocked(openMetrics);
            var encoder = Encoding.UTF8.GetEncoder();
            foreach (var chunk in _text.GetChunks())
            {
                encoder.Convert(chunk.Span, context.Response.BodyWriter, flush: false, out _, out _);
            }

            encoder.Convert([], context.Response.BodyWriter, flush: true, out _, out _);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Renders every collected metric, in the text format 0.0.4 or in OpenMetrics 1.0.0 (a counter's family is
    /// named without its <c>_total</c>, help escapes quotes too, and the exposition ends with <c># EOF</c>).
    /// Observable instruments are observed now.
    /// </summary>
    public string Render(bool openMetrics = false)
    {
        lock (_textGate)
        {
            RenderLocked(openMetrics);
            return _text.ToString();
        }
    }

    // Into the one builder the exporter keeps (under _textGate), so a scrape allocates no growing buffer.
    private void RenderLocked(bool openMetrics)
    {
        var text = _text.Clear();
        foreach (var family in Collect())
        {
            var name = openMetrics && family.Type == "counter" ? family.Name.AsSpan(0, family.Name.Length - "_total".Length) : family.Name;
            var help = openMetrics ? EscapeLabelValue(family.Help) : EscapeHelp(family.Help);
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(family.Type).Append('\n');
            foreach (var series in family.Series)
            {
                WriteSeries(text, family, series);
            }
        }

        if (openMetrics)
        {
            text.Append("# EOF\n");
        }
    }

    /// <summary>
    /// A snapshot of every metric, by name (sorted), each series once: instruments that share a name (one per
    /// meter instance) are summed series by series. Observable instruments are observed now.
    /// </summary>
    public IReadOnlyList<MetricFamilySnapshot> Collect()
    {
        lock (_renderGate)
        {
            foreach (var family in _families.Values)
            {
                family.ResetObserved();
            }

            _listener.RecordObservableInstruments();

            // Sorted by name, then each run of one name merged: no LINQ, since a scrape's allocations are most of
            // what it costs (metrics-scrape benchmark).
            var families = _families.ToArray();
            Array.Sort(families, static (a, b) => string.CompareOrdinal(a.Value.Name, b.Value.Name));
            var snapshot = new List<MetricFamilySnapshot>(families.Length);
            for (var first = 0; first < families.Length;)
            {
                var end = first + 1;
                while (end < families.Length && families[end].Value.Name == families[first].Value.Name)
                {
                    end++;
                }

                snapshot.Add(Merge(families.AsSpan(first, end - first)));
                first = end;
            }

            return snapshot;
        }
    }

    private static MetricFamilySnapshot Merge(ReadOnlySpan<KeyValuePair<Instrument, Family>> group)
    {
        var first = group[0].Value;
        var buckets = first.Kind == Kind.Histogram ? first.Bounds.Length : -1;
        List<SeriesSnapshot> series;
        if (group.Length == 1)
        {
            series = [];
            foreach (var (key, value) in first.Snapshot())
            {
                series.Add(Snapshot(key, value, buckets));
            }
        }
        else
        {
            var merged = new Dictionary<string, SeriesSnapshot>(StringComparer.Ordinal);
            foreach (var (_, family) in group)
            {
                foreach (var (key, value) in family.Snapshot())
                {
                    var part = Snapshot(key, value, buckets);
                    merged[key] = merged.TryGetValue(key, out var seen) ? Sum(seen, part) : part;
                }
            }

            series = [.. merged.Values];
        }

        series.Sort(static (a, b) => string.CompareOrdinal(a.RenderedLabels, b.RenderedLabels));
        return new MetricFamilySnapshot(first.Name, first.TypeName, first.Help, first.Kind == Kind.Histogram ? first.Bounds : [], series);
    }

    private static SeriesSnapshot Snapshot(string key, Series series, int buckets)
    {
        long[]? counts = null;
        if (buckets >= 0)
        {
            counts = new long[buckets];
            for (var b = 0; b < buckets; b++)
            {
                counts[b] = series.BucketCount(b);
            }
        }

        return new SeriesSnapshot(key, series.Labels, series.Value, series.Count, counts);
    }

    private static SeriesSnapshot Sum(SeriesSnapshot a, SeriesSnapshot b)
    {
        var counts = a.BucketCounts;
        if (counts is not null && b.BucketCounts is { } more)
        {
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] += more[i];
            }
        }

        return a with { Value = a.Value + b.Value, Count = a.Count + b.Count, BucketCounts = counts };
    }

    // Appends numbers and labels in place: no string per sample or per bucket.
    private static void WriteSeries(StringBuilder text, MetricFamilySnapshot family, SeriesSnapshot series)
    {
        if (series.BucketCounts is not { } counts)
        {
            AppendValue(text.Append(family.Name).Append(series.RenderedLabels).Append(' '), series.Value).Append('\n');
            return;
        }

        long cumulative = 0;
        for (var b = 0; b < family.Bounds.Count; b++)
        {
            cumulative += counts[b];
            AppendValue(AppendLabelsAndLe(text.Append(family.Name).Append("_bucket"), series.RenderedLabels), family.Bounds[b])
                .Append("\"} ").Append(CultureInfo.InvariantCulture, $"{cumulative}").Append('\n');
        }

        AppendLabelsAndLe(text.Append(family.Name).Append("_bucket"), series.RenderedLabels).Append("+Inf\"} ").Append(CultureInfo.InvariantCulture, $"{series.Count}").Append('\n');
        AppendValue(text.Append(family.Name).Append("_sum").Append(series.RenderedLabels).Append(' '), series.Value).Append('\n');
        text.Append(family.Name).Append("_count").Append(series.RenderedLabels).Append(' ').Append(CultureInfo.InvariantCulture, $"{series.Count}").Append('\n');
    }

    /// <summary>The series' labels with an <c>le</c> label opened last: <c>{a="1",le="</c>.</summary>
    private static StringBuilder AppendLabelsAndLe(StringBuilder text, string labels) =>
        labels.Length == 0 ? text.Append("{le=\"") : text.Append(labels, 0, labels.Length - 1).Append(",le=\"");

    private static StringBuilder AppendValue(StringBuilder text, double value) => value switch
    {
        double.PositiveInfinity => text.Append("+Inf"),
        double.NegativeInfinity => text.Append("-Inf"),
        double.NaN => text.Append("NaN"),
        _ => text.Append(CultureInfo.InvariantCulture, $"{value:R}"),
    };

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_families.TryGetValue(instrument, out var family))
        {
            family.Record(value, tags);
        }
    }

    private static string? UnitSuffix(string? unit) => unit switch
    {
        "By" => "_bytes",
        "s" => "_seconds",
        "ms" => "_milliseconds",
        _ => null,
    };

    /// <summary>Prometheus metric and label names: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>; others become <c>_</c>.</summary>
    internal static string SanitizeName(string name, bool allowColon)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                chars[i] = '_';
            }
        }

        return chars.Length == 0 ? "_" : new string(chars);
    }

    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A tag set as sorted name/value pairs (names sanitised).</summary>
    private static KeyValuePair<string, string>[] SortedLabels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = new(SanitizeName(tags[i].Key, allowColon: false), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        Array.Sort(pairs, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return pairs;
    }

    /// <summary>Renders sorted labels as <c>{a="1",b="2"}</c>; empty for no labels.</summary>
    private static string RenderLabels(KeyValuePair<string, string>[] pairs)
    {
        if (pairs.Length == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder("{");
        for (var i = 0; i < pairs.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(pairs[i].Key).Append("=\"").Append(EscapeLabelValue(pairs[i].Value)).Append('"');
        }

        return text.Append('}').ToString();
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    /// <summary>One instrument and its series, keyed by rendered label set.</summary>
    private sealed class Family
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

        // Measurements with one string tag (a namespace, a reason) are most of ActorLoki's, and a tail records two per
        // chunk read: their series is found by that tag, without sorting and rendering the label set first (which was
        // 6 % of the shipper's CPU at 40,000 lines/s). Not for observable instruments, whose series are cleared.
        private readonly ConcurrentDictionary<(string Key, string Value), Series> _byOneTag = new();
        private readonly double[] _bounds;
        private readonly bool _observable;

        // Counters and up-down counters report deltas; observable instruments and Gauge<T> report absolute values.
        private readonly bool _accumulates;

        public Family(Instrument instrument, IReadOnlyList<double> buckets)
        {
            var type = instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            _observable = instrument.IsObservable;
            _accumulates = !_observable && (generic == typeof(Counter<>) || generic == typeof(UpDownCounter<>));
            Kind = generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>) ? Kind.Counter
                : generic == typeof(Histogram<>) ? Kind.Histogram
                : Kind.Gauge;
            // ActorLoki's instruments carry Prometheus names; others (the runtime's dotted OpenTelemetry names)
            // get their unit as a suffix, as OpenTelemetry's Prometheus exporter does.
            var baseName = SanitizeName(instrument.Name, allowColon: true);
            if (!instrument.Meter.Name.StartsWith("ActorLoki", StringComparison.Ordinal) && UnitSuffix(instrument.Unit) is { } suffix && !baseName.EndsWith(suffix, StringComparison.Ordinal))
            {
                baseName += suffix;
            }

            Name = Kind == Kind.Counter && !baseName.EndsWith("_total", StringComparison.Ordinal) ? baseName + "_total" : baseName;
            Help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
            _bounds = [.. buckets.Order()];
        }

        public Kind Kind { get; }

        public string Name { get; }

        public string Help { get; }

        public string TypeName => Kind switch
        {
            Kind.Counter => "counter",
            Kind.Histogram => "histogram",
            _ => "gauge",
        };

        public double[] Bounds => _bounds;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            Series series;
            if (!_observable && tags.Length == 1 && tags[0].Value is string text)
            {
                var key = (tags[0].Key, text);
                if (!_byOneTag.TryGetValue(key, out series!))
                {
                    series = _byOneTag.GetOrAdd(key, Find(tags));
                }
            }
            else
            {
                series = Find(tags);
            }

            switch (Kind)
            {
                case Kind.Histogram:
                    series.Observe(value, _bounds);
                    break;
                case Kind.Counter or Kind.Gauge when _accumulates:
                    series.Add(value);
                    break;
                default:
                    series.Set(value);
                    break;
            }
        }

        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var pairs = SortedLabels(tags);
            return _series.GetOrAdd(RenderLabels(pairs), static (_, state) => new Series(state.Bounds.Length, state.Pairs), (Bounds: _bounds, Pairs: pairs));
        }

        /// <summary>Observable series report afresh at each scrape: forget series not observed again.</summary>
        public void ResetObserved()
        {
            if (_observable)
            {
                _series.Clear();
            }
        }

        public ConcurrentDictionary<string, Series> Snapshot() => _series;
    }

    /// <summary>The running value of one series; for histograms also its bucket counts.</summary>
    private sealed class Series(int buckets, IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        private readonly long[] _buckets = new long[buckets];

        public IReadOnlyList<KeyValuePair<string, string>> Labels { get; } = labels;
        private double _value;
        private long _count;

        public double Value => Volatile.Read(ref _value);

        public long Count => Interlocked.Read(ref _count);

        public long BucketCount(int bucket) => Interlocked.Read(ref _buckets[bucket]);

        public void Add(double delta)
        {
            double seen, updated;
            do
            {
                seen = Volatile.Read(ref _value);
                updated = seen + delta;
            }
            while (Interlocked.CompareExchange(ref _value, updated, seen) != seen);
        }

        public void Set(double value) => Volatile.Write(ref _value, value);

        public void Observe(double value, double[] bounds)
        {
            // Non-cumulative per bucket here; Write() accumulates. A value above every bound lands only in +Inf.
            var index = Array.BinarySearch(bounds, value);
            if (index < 0)
            {
                index = ~index;
            }

            if (index < bounds.Length)
            {
                Interlocked.Increment(ref _buckets[index]);
            }

            Interlocked.Increment(ref _count);
            Add(value);
        }
    }
}

/// <summary>One metric family as scraped: its Prometheus name and type, and each series.</summary>
/// <param name="Bounds">Upper bounds of the histogram buckets (empty for counters and gauges).</param>
public sealed record MetricFamilySnapshot(string Name, string Type, string Help, IReadOnlyList<double> Bounds, IReadOnlyList<SeriesSnapshot> Series)
{
    /// <summary>The sum over every series whose labels match <paramref name="where"/> (all when null).</summary>
    public double Sum(Func<IReadOnlyList<KeyValuePair<string, string>>, bool>? where = null) =>
        Series.Where(s => where is null || where(s.Labels)).Sum(s => s.Value);
}

/// <summary>
/// One series: its labels, its value (for a histogram, the sum of observations), the number of observations
/// and, for a histogram, the count of each bucket (not cumulative).
/// </summary>
public sealed record SeriesSnapshot(string RenderedLabels, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, long Count, long[]? BucketCounts)
{
    public string? Label(string name) => Labels.FirstOrDefault(l => l.Key == name).Value;
}
