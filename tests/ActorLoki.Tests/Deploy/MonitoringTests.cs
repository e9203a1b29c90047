using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using ActorLoki.Tests.Hosting;
using ActorLoki.Tests.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorLoki.Tests.Deploy;

/// <summary>What a running host exports on /metrics, parsed by the strict parser, scraped once for the tests that compare with it.</summary>
public sealed class ScrapedMetrics : IAsyncLifetime
{
    /// <summary>What Prometheus sends: OpenMetrics first, the text format as the fallback.</summary>
    public const string PrometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    public IReadOnlyDictionary<string, PrometheusTextParser.MetricFamily> Families { get; private set; } = null!;

    /// <summary>The body and content type of a scrape without an Accept header.</summary>
    public (string Body, string? ContentType) Text { get; private set; }

    /// <summary>The body and content type of a scrape with Prometheus' Accept header.</summary>
    public (string Body, string? ContentType) OpenMetrics { get; private set; }

    /// <summary>
    /// The text format again, after the OpenMetrics scrape: series only appear while a host runs (an actor kind, an
    /// exception type the runtime counts), so the OpenMetrics scrape has every series of <see cref="Families"/> and
    /// none that this one lacks.
    /// </summary>
    public IReadOnlyDictionary<string, PrometheusTextParser.MetricFamily> FamiliesAfter { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using var kube = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = "shop" });
        await using var loki = await LokiReceiver.StartAsync();
        await using var host = TestHosts.Create(kube, loki, NullLoggerFactory.Instance);
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.EndpointAddress };
        Text = await ScrapeAsync(http, null);
        OpenMetrics = await ScrapeAsync(http, PrometheusAccept);
        Families = PrometheusTextParser.Parse(Text.Body);
        FamiliesAfter = PrometheusTextParser.Parse((await ScrapeAsync(http, null)).Item1);
        await host.StopAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<(string, string?)> ScrapeAsync(HttpClient http, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString());
    }

    /// <summary>The family a name in a query belongs to: a histogram's _bucket, _sum and _count series are its own.</summary>
    public bool Exports(string name) =>
        Families.ContainsKey(name)
        || Families.ContainsKey(Regex.Replace(name, "_(bucket|sum|count)$", "")) && Families[Regex.Replace(name, "_(bucket|sum|count)$", "")].Type == "histogram";
}

/// <summary>deploy/grafana and deploy/prometheus name only metrics the shipper exports, and cover what an operator watches.</summary>
public sealed partial class MonitoringTests(ScrapedMetrics metrics) : IClassFixture<ScrapedMetrics>
{
    private const string Dashboard = "deploy/grafana/actorloki-dashboard.json";
    private const string Alerts = "deploy/prometheus/actorloki-alerts.yaml";

    private static IReadOnlyList<string> MetricNames(string text) => [.. MetricName().Matches(text).Select(m => m.Value).Distinct()];

    [Fact]
    public void Metrics_exports_every_metric_of_the_shipper_issue()
    {
        metrics.Families.Should().ContainKeys(
            "actorloki_lines_read_total",
            "actorloki_bytes_read_total",
            "actorloki_lines_sent_total",
            "actorloki_batches_sent_total",
            "actorloki_push_retries_total",
            "actorloki_lines_dropped_total",
            "actorloki_push_duration_seconds",
            "actorloki_end_to_end_lag_seconds",
            "actorloki_active_tails",
            "actorloki_buffered_bytes",
            "actorloki_mailbox_depth",
            "actorloki_actor_restarts_total",
            "actorloki_positions_saved_total",
            "actorloki_ready");
        metrics.Families["actorloki_end_to_end_lag_seconds"].Type.Should().Be("histogram");
        metrics.Families["actorloki_lines_read_total"].Type.Should().Be("counter");
        metrics.Families["actorloki_buffered_bytes"].Type.Should().Be("gauge");
    }

    [Fact]
    public void Every_metric_the_dashboard_queries_is_exported()
    {
        var names = MetricNames(Repository.Read(Dashboard));

        names.Should().HaveCountGreaterThan(20);
        names.Where(n => !metrics.Exports(n)).Should().BeEmpty("the dashboard queries only what /metrics serves");
    }

    [Fact]
    public void Every_metric_the_alert_rules_use_is_exported()
    {
        var names = MetricNames(Repository.Read(Alerts));

        names.Should().NotBeEmpty();
        names.Where(n => !metrics.Exports(n)).Should().BeEmpty("the alert rules use only what /metrics serves");
    }

    [Fact]
    public void The_dashboard_shows_throughput_lag_drops_retries_buffer_tails_restarts_and_positions()
    {
        var dashboard = JsonNode.Parse(Repository.Read(Dashboard))!;
        var panels = dashboard["panels"]!.AsArray().Select(p => p!).ToList();
        var queries = string.Join('\n', panels.SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => (string?)t!["expr"]));

        panels.Select(p => (long)p["id"]!).Should().OnlyHaveUniqueItems();
        panels.Where(p => (string?)p["type"] != "row").Should().OnlyContain(p => (string?)p["datasource"]!["uid"] == "${datasource}" && p["description"] != null);
        foreach (var needed in new[]
        {
            "rate(actorloki_lines_read_total", "rate(actorloki_lines_sent_total", "histogram_quantile(0.99, sum by (le) (rate(actorloki_end_to_end_lag_seconds_bucket",
            "sum by (reason) (increase(actorloki_lines_dropped_total", "sum by (reason) (increase(actorloki_push_retries_total", "actorloki_buffered_bytes",
            "actorloki_active_tails", "actorloki_actor_restarts_total", "actorloki_positions_saved_total",
        })
        {
            queries.Should().Contain(needed);
        }
    }

    [Fact]
    public void The_alert_rules_cover_drops_failing_pushes_lag_restarting_tails_and_readiness_and_say_what_to_do()
    {
        var document = Repository.ParseYaml(Repository.Read(Alerts)).Single()!;
        var rules = document["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!).ToDictionary(r => (string)r["alert"]!);

        rules.Keys.Should().Contain(["ActorLokiLinesDropped", "ActorLokiPushesFailing", "ActorLokiLagHigh", "ActorLokiTailsRestarting", "ActorLokiNotReady"]);
        ((string)rules["ActorLokiLinesDropped"]["expr"]!).Should().Contain("actorloki_lines_dropped_total");
        ((string)rules["ActorLokiPushesFailing"]["expr"]!).Should().Contain("actorloki_push_retries_total");
        ((string)rules["ActorLokiLagHigh"]["expr"]!).Should().Contain("actorloki_end_to_end_lag_seconds_bucket");
        ((string)rules["ActorLokiTailsRestarting"]["expr"]!).Should().Contain("actorloki_actor_restarts_total{kind=\"ContainerTail\"}");
        ((string)rules["ActorLokiNotReady"]["expr"]!).Should().Contain("actorloki_ready");
        rules.Values.Should().OnlyContain(r =>
            (string?)r["labels"]!["severity"] != null && ((string?)r["annotations"]!["summary"])!.Length > 0 && ((string?)r["annotations"]!["description"])!.Length > 40);
    }

    [GeneratedRegex("actorloki_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
