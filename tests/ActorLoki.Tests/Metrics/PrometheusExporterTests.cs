using System.Diagnostics.Metrics;
using ActorLoki.Metrics;

namespace ActorLoki.Tests.Metrics;

public sealed class PrometheusExporterTests
{
    // Each test uses its own meter name so parallel tests never see each other's instruments.
    private static Meter NewMeter() => new("ActorLoki.Test." + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_counter_is_rendered_as_a_total_with_help_type_and_sorted_labels()
    {
        using var meter = NewMeter();
        using var exporter = new PrometheusExporter(m => m == meter);
        var lines = meter.CreateCounter<long>("actorloki_lines_read", description: "Log lines read from the Kubernetes API.");

        lines.Add(3, new KeyValuePair<string, object?>("namespace", "dev1"));
        lines.Add(4, new KeyValuePair<string, object?>("namespace", "dev1"));
        lines.Add(1, new("zone", "b"), new("namespace", "dev2"));

        var text = exporter.Render();
        var families = PrometheusTextParser.Parse(text);

        var family = families["actorloki_lines_read_total"];
        family.Type.Should().Be("counter");
        family.Help.Should().Be("Log lines read from the Kubernetes API.");
        family.Samples.Single(s => s.Labels["namespace"] == "dev1").Value.Should().Be(7);
        text.Should().Contain("actorloki_lines_read_total{namespace=\"dev2\",zone=\"b\"} 1\n");
    }

    [Fact]
    public void Label_values_and_help_text_are_escaped()
    {
        using var meter = NewMeter();
        using var exporter = new PrometheusExporter(m => m == meter);
        var counter = meter.CreateCounter<long>("actorloki_odd", description: "back\\slash and\nnewline");

        counter.Add(1, new KeyValuePair<string, object?>("reason", "quote \" backslash \\ newline \n unicode é"));

        var text = exporter.Render();
        text.Should().Contain("# HELP actorloki_odd_total back\\\\slash and\\nnewline\n");
        var sample = PrometheusTextParser.Parse(text)["actorloki_odd_total"].Samples.Single();
        sample.Labels["reason"].Should().Be("quote \" backslash \\ newline \n unicode é");
    }

    [Fact]
    public void A_histogram_has_cumulative_buckets_sum_and_count()
    {
        using var meter = NewMeter();
        using var exporter = new PrometheusExporter(m => m == meter, _ => [0.1, 1, 10]);
        var latency = meter.CreateHistogram<double>("actorloki_push_duration_seconds", unit: "s", description: "Push latency.");

        foreach (var value in new[] { 0.05, 0.1, 0.5, 2, 20 })
        {
            latency.Record(value);
        }

        var family = PrometheusTextParser.Parse(exporter.Render())["actorloki_push_duration_seconds"];

        family.Type.Should().Be("histogram");
        var buckets = family.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToDictionary(s => s.Labels["le"], s => s.Value);
        buckets.Should().Equal(new Dictionary<string, double> { ["0.1"] = 2, ["1"] = 3, ["10"] = 4, ["+Inf"] = 5 });
        family.Samples.Single(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).Value.Should().Be(5);
        family.Samples.Single(s => s.Name.EndsWith("_sum", StringComparison.Ordinal)).Value.Should().BeApproximately(22.65, 1e-9);
    }

    [Fact]
    public void Observable_gauges_report_what_they_observe_at_each_scrape()
    {
        using var meter = NewMeter();
        using var exporter = new PrometheusExporter(m => m == meter);
        var depth = 5;
        meter.CreateObservableGauge("actorloki_buffered_bytes", () => depth, description: "Bytes buffered.");
        var updown = meter.CreateUpDownCounter<long>("actorloki_active_tails");
        updown.Add(3);
        updown.Add(-1);

        PrometheusTextParser.Parse(exporter.Render())["actorloki_buffered_bytes"].Samples.Single().Value.Should().Be(5);
        depth = 9;
        var families = PrometheusTextParser.Parse(exporter.Render());

        families["actorloki_buffered_bytes"].Samples.Single().Value.Should().Be(9);
        families["actorloki_buffered_bytes"].Type.Should().Be("gauge");
        families["actorloki_active_tails"].Samples.Single().Value.Should().Be(2);
    }

    [Fact]
    public void Meters_outside_the_filter_are_not_exported()
    {
        using var mine = NewMeter();
        using var other = new Meter("Someone.Else");
        using var exporter = new PrometheusExporter(m => m == mine);
        mine.CreateCounter<long>("actorloki_mine").Add(1);
        other.CreateCounter<long>("someone_else").Add(1);

        var families = PrometheusTextParser.Parse(exporter.Render());

        families.Keys.Should().Equal("actorloki_mine_total");
    }

    [Fact]
    public void Instruments_that_share_a_name_in_two_meters_are_summed_series_by_series()
    {
        using var one = NewMeter();
        using var two = new Meter(one.Name);
        using var exporter = new PrometheusExporter(m => m == one || m == two, _ => [1, 10]);
        one.CreateCounter<long>("actorloki_lines_sent").Add(2, new KeyValuePair<string, object?>("namespace", "a"));
        two.CreateCounter<long>("actorloki_lines_sent").Add(3, new KeyValuePair<string, object?>("namespace", "a"));
        two.CreateCounter<long>("actorloki_lines_sent").Add(5, new KeyValuePair<string, object?>("namespace", "b"));
        one.CreateHistogram<double>("actorloki_push_duration_seconds").Record(0.5);
        two.CreateHistogram<double>("actorloki_push_duration_seconds").Record(5);

        var families = exporter.Collect().ToDictionary(f => f.Name);

        families.Keys.Should().Equal("actorloki_lines_sent_total", "actorloki_push_duration_seconds");
        families["actorloki_lines_sent_total"].Series.Select(x => (x.Label("namespace"), x.Value)).Should().Equal(("a", 5.0), ("b", 5.0));
        var latency = families["actorloki_push_duration_seconds"].Series.Single();
        latency.BucketCounts.Should().Equal(1, 1);
        (latency.Count, latency.Value).Should().Be((2L, 5.5));
    }

    [Fact]
    public async Task OpenMetrics_names_counter_families_without_total_escapes_quotes_in_help_and_ends_with_EOF()
    {
        using var meter = NewMeter();
        using var exporter = new PrometheusExporter(m => m == meter, _ => [0.1, 1]);
        meter.CreateCounter<long>("actorloki_lines_sent", description: "Lines \"acknowledged\" by Loki.").Add(3, new KeyValuePair<string, object?>("reason", "a \"b\""));
        meter.CreateHistogram<double>("actorloki_push_duration_seconds", unit: "s").Record(0.5);
        meter.CreateUpDownCounter<long>("actorloki_active_tails").Add(2);

        var text = exporter.Render(openMetrics: true);
        var parsed = await PythonPrometheusParser.ParseAsync(text, openMetrics: true);

        text.Should().Contain("# TYPE actorloki_lines_sent counter\nactorloki_lines_sent_total{reason=\"a \\\"b\\\"\"} 3\n").And.EndWith("# EOF\n");
        parsed.Error.Should().BeNull();
        parsed.Families.Select(f => (f.Name, f.Type)).Should().BeEquivalentTo(new[]
        {
            ("actorloki_lines_sent", "counter"), ("actorloki_push_duration_seconds", "histogram"), ("actorloki_active_tails", "gauge"),
        });
        parsed.Families.Single(f => f.Name == "actorloki_lines_sent").Samples.Single().Labels["reason"].Should().Be("a \"b\"");
    }

    [Theory]
    [InlineData("metric_without_type 1\n")]
    [InlineData("# TYPE a counter\na_total 1\n")]
    [InlineData("# TYPE a_total counter\na_total{x=\"1\"} 1\na_total{x=\"1\"} 2\n")]
    [InlineData("# TYPE a gauge\na{x=\"bad\\q\"} 1\n")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")]
    [InlineData("# TYPE a gauge\na 1")]
    public void The_strict_parser_rejects_malformed_expositions(string text)
    {
        var parse = () => PrometheusTextParser.Parse(text);

        parse.Should().Throw<FormatException>();
    }
}
