using ActorLoki.Metrics;
using ActorLoki.Tests.Deploy;

namespace ActorLoki.Tests.Metrics;

/// <summary>A running host's /metrics, read by the reference Python client's parsers, in both formats it serves.</summary>
public sealed class ExpositionTests(ScrapedMetrics metrics) : IClassFixture<ScrapedMetrics>
{
    [Fact]
    public async Task Metrics_answers_in_the_text_format_that_the_Python_client_parses_into_the_same_families_and_samples()
    {
        var (body, contentType) = metrics.Text;

        var parsed = await PythonPrometheusParser.ParseAsync(body, openMetrics: false);

        contentType.Should().Be(PrometheusExporter.ContentType);
        parsed.Error.Should().BeNull();
        parsed.Families.Should().HaveCount(metrics.Families.Count);
        SampleKeys(parsed).Should().BeEquivalentTo(metrics.Families.Values.SelectMany(f => f.Samples).Select(s => Key(s.Name, s.Labels)));
        parsed.Families.Single(f => f.Name == "actorloki_lines_read").Type.Should().Be("counter");
        parsed.Families.Single(f => f.Name == "actorloki_end_to_end_lag_seconds").Type.Should().Be("histogram");
    }

    [Fact]
    public async Task Asked_for_OpenMetrics_as_Prometheus_asks_metrics_answers_in_OpenMetrics_that_its_parser_accepts()
    {
        var (body, contentType) = metrics.OpenMetrics;

        var parsed = await PythonPrometheusParser.ParseAsync(body, openMetrics: true);

        contentType.Should().Be(PrometheusExporter.OpenMetricsContentType);
        body.Should().EndWith("# EOF\n");
        parsed.Error.Should().BeNull();
        // The same series as the text format scraped just before and just after it (values move between scrapes,
        // and a starting host adds series: an actor kind, an exception type the runtime counts).
        SampleKeys(parsed).Should().Contain(metrics.Families.Values.SelectMany(f => f.Samples).Select(s => Key(s.Name, s.Labels)));
        metrics.FamiliesAfter.Values.SelectMany(f => f.Samples).Select(s => Key(s.Name, s.Labels)).Should().Contain(SampleKeys(parsed));
        parsed.Families.Single(f => f.Name == "actorloki_lines_read").Type.Should().Be("counter");
    }

    [Fact]
    public async Task The_OpenMetrics_parser_is_strict_enough_to_reject_an_exposition_without_EOF()
    {
        var parsed = await PythonPrometheusParser.ParseAsync("# TYPE a gauge\na 1\n", openMetrics: true);

        parsed.Error.Should().NotBeNull();
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("text/plain;version=0.0.4", false)]
    [InlineData("*/*", false)]
    [InlineData("application/openmetrics-text;version=1.0.0", true)]
    [InlineData(ScrapedMetrics.PrometheusAccept, true)]
    [InlineData("text/plain, application/openmetrics-text;q=0", false)]
    public void OpenMetrics_is_served_only_to_a_scraper_that_accepts_it(string? accept, bool openMetrics) =>
        PrometheusExporter.AcceptsOpenMetrics(accept).Should().Be(openMetrics);

    private static IEnumerable<string> SampleKeys(PythonPrometheusParser.Result parsed) =>
        parsed.Families.SelectMany(f => f.Samples).Select(s => Key(s.Name, s.Labels));

    private static string Key(string name, IReadOnlyDictionary<string, string> labels) =>
        name + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
}
