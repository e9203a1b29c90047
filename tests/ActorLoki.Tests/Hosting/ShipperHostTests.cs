using System.Net;
using ActorLoki.Hosting;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using ActorLoki.Tests.Metrics;
using ActorLoki.Testing;
using Xunit.Abstractions;

namespace ActorLoki.Tests.Hosting;

public sealed class ShipperHostTests(ITestOutputHelper output) : SimulatedBackends
{
    private ShipperHost CreateHost(params (string Key, string Value)[] overrides) =>
        TestHosts.Create(Kube, Loki, new XunitLoggerFactory(output), overrides);

    private static async Task<string> GetEventuallyAsync(HttpClient http, string path, HttpStatusCode expected, string? containing = null)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var response = await http.GetAsync(path, cancel.Token);
            var body = await response.Content.ReadAsStringAsync(cancel.Token);
            if (response.StatusCode == expected && (containing is null || body.Contains(containing, StringComparison.Ordinal)))
            {
                return body;
            }

            await Task.Delay(50, cancel.Token);
        }
    }

    [Fact]
    public async Task The_host_ships_lines_serves_health_readiness_metrics_and_debug_and_drains_on_stop()
    {
        Kube.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = Ns, Labels = new Dictionary<string, string> { ["app"] = "web" } });
        await using var host = CreateHost();
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.EndpointAddress };

        (await http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        await GetEventuallyAsync(http, "/readyz", HttpStatusCode.OK);
        for (var i = 0; i < 50; i++)
        {
            Kube.Cluster.WriteLog(Ns, "web-0", "app", $"hello {i}");
        }

        await Loki.WaitForEntriesAsync(50).WaitAsync(TimeSpan.FromSeconds(20));

        // Loki stores the lines a moment before the batcher hears of it: wait for the acknowledgement.
        IReadOnlyDictionary<string, PrometheusTextParser.MetricFamily> families;
        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (true)
            {
                var metrics = await http.GetAsync("/metrics", cancel.Token);
                metrics.Content.Headers.ContentType!.ToString().Should().Contain("version=0.0.4");
                families = PrometheusTextParser.Parse(await metrics.Content.ReadAsStringAsync(cancel.Token));
                if (families.TryGetValue("actorloki_lines_sent_total", out var sent) && sent.Samples.Sum(s => s.Value) >= 50)
                {
                    break;
                }

                await Task.Delay(50, cancel.Token);
            }
        }

        families["actorloki_lines_read_total"].Samples.Single(s => s.Labels["namespace"] == Ns).Value.Should().Be(50);
        families["actorloki_lines_sent_total"].Samples.Sum(s => s.Value).Should().Be(50);
        families.Should().ContainKeys(
            "actorloki_bytes_read_total", "actorloki_batches_sent_total", "actorloki_end_to_end_lag_seconds",
            "actorloki_active_tails", "actorloki_buffered_bytes", "actorloki_push_duration_seconds",
            "actorloki_mailbox_depth", "actorloki_actors");

        (await http.GetStringAsync("/debug/actors")).Should().Contain("/user/guardian/ns-shop/web-0.app");
        (await http.GetStringAsync("/debug/streams")).Should().Contain("\"pod\": \"web-0\"");

        await host.StopAsync();
        host.Service.ExitCode.Should().Be(0);
        host.Service.Runtime!.WhenTerminated.IsCompleted.Should().BeTrue();
    }

    [Fact]
    public async Task The_endpoints_match_paths_as_routing_did_and_answer_other_methods_and_paths_plainly()
    {
        await using var host = CreateHost();
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.EndpointAddress };

        (await http.GetAsync("/healthz/")).StatusCode.Should().Be(HttpStatusCode.OK, "a trailing slash is the same path");
        (await http.GetAsync("/HEALTHZ")).StatusCode.Should().Be(HttpStatusCode.OK, "paths match without case");
        var health = await http.GetAsync("/healthz");
        health.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        (await health.Content.ReadAsStringAsync()).Should().Be("ok\n");
        (await http.GetAsync("/debug/actors")).Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        (await http.GetAsync("/debug/cluster")).StatusCode.Should().Be(HttpStatusCode.NotFound, "clustering is off");

        var post = await http.PostAsync("/metrics", new StringContent(""));
        post.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        post.Content.Headers.Allow.Should().Equal("GET");
        (await http.GetAsync("/nothing-here")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Readiness_turns_false_while_Loki_refuses_pushes_and_lines_wait()
    {
        Kube.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = Ns });
        Loki.Faults.Always(LokiFault.Status(401));
        await using var host = CreateHost(("http.ready-push-window", "200ms"), ("loki.retry.min-backoff", "50ms"), ("loki.retry.max-backoff", "200ms"));
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.EndpointAddress };

        Kube.Cluster.WriteLog(Ns, "web-0", "app", "a line that cannot be pushed yet");
        await GetEventuallyAsync(http, "/readyz", HttpStatusCode.ServiceUnavailable, containing: "Loki has not accepted a push");

        Loki.Faults.Clear();
        await GetEventuallyAsync(http, "/readyz", HttpStatusCode.OK);
        await Loki.WaitForEntriesAsync(1).WaitAsync(TimeSpan.FromSeconds(20));
    }
}
