using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ActorLoki.Benchmarks.EndToEnd;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Tests.Metrics;

namespace ActorLoki.Benchmarks.Metrics;

/// <summary>
/// What one /metrics scrape costs the shipper at 1,000 followed containers, in each format it serves: bytes on
/// the wire, CPU and managed allocations in the shipper per scrape (the shipper's idle rate over the same time
/// subtracted), and whether the Python <c>prometheus_client</c> parsers (text 0.0.4 and OpenMetrics) accept the
/// body. It compared the exporter with prometheus-net 8.2.1's meter adapter once (docs/performance.md).
/// Usage: <c>metrics-scrape [scrapes-per-case]</c> (default 200).
/// </summary>
public sealed partial class MetricsScrapeBenchmark : IBenchmark
{
    private const int Containers = 1000;
    private const string OpenMetricsAccept = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    public string Name => "metrics-scrape";

    public string Description => "cost of one /metrics scrape at 1,000 followed containers (bytes, CPU, allocations) and parser validity, per format";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var scrapes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var shipperDll = E2eBenchmark.LocateShipper();
        if (shipperDll is null)
        {
            await Console.Error.WriteLineAsync("actorloki.dll (Release) not found: dotnet build -c Release src/ActorLoki");
            return 2;
        }

        var options = new E2eOptions();
        SelfProcess.PinAllThreads(1);
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 10 * 1024 * 1024, cancellationToken);
        var scenario = env.NewScenario(new ScenarioOptions { PodPrefix = "app", Pods = Containers, LineBytes = 200, LinesPerSecondPerContainer = 1 });
        scenario.Start();
        var shipper = await env.StartShipperAsync(TimeSpan.FromMinutes(10), cancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{shipper.MetricsPort}") };

        // Every container followed and its lines shipped, then no more lines: what remains is the scrapes' cost.
        var following = Stopwatch.StartNew();
        while (PromScrape.Sum(await shipper.ScrapeAsync(cancellationToken), "actorloki_active_tails") < Containers && following.Elapsed < TimeSpan.FromSeconds(120))
        {
            await BenchEnvironment.DriveAsync([scenario], TimeSpan.FromSeconds(1), cancellationToken);
        }

        await BenchEnvironment.DriveAsync([scenario], TimeSpan.FromSeconds(3), cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);

        Console.WriteLine($"# metrics-scrape (ActorLoki {Program.Version}, .NET {Environment.Version}; {E2eBenchmark.Machine()})");
        Console.WriteLine();
        Console.WriteLine($"{PromScrape.Sum(await shipper.ScrapeAsync(cancellationToken), "actorloki_active_tails"):0} containers followed (of {Containers}); {scrapes} scrapes per case; the shipper's idle CPU and allocation rate over the same time subtracted.");
        Console.WriteLine();

        (string Name, string Path, string? Accept)[] cases =
        [
            ("ActorLoki exporter, text 0.0.4", "/metrics", null),
            ("ActorLoki exporter, Accept: OpenMetrics", "/metrics", OpenMetricsAccept),
        ];
        var bodies = new List<(string Name, string ContentType, string Body)>();
        foreach (var (name, path, accept) in cases)
        {
            for (var i = 0; i < 20; i++)
            {
                await GetAsync(http, path, accept, cancellationToken);
            }

            bodies.Add((name, (await GetAsync(http, path, accept, cancellationToken)).ContentType, (await GetAsync(http, path, accept, cancellationToken)).Body));
        }

        var idle = await IdleRateAsync(shipper, http, TimeSpan.FromSeconds(10), cancellationToken);
        Console.WriteLine("| exporter | content type | body bytes | families | CPU ms per scrape | allocated KiB per scrape | Python parser |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---|");
        for (var c = 0; c < cases.Length; c++)
        {
            var (name, path, accept) = cases[c];
            var before = await SampleAsync(shipper, http, cancellationToken);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < scrapes; i++)
            {
                await GetAsync(http, path, accept, cancellationToken);
            }

            var elapsed = clock.Elapsed.TotalSeconds;
            var after = await SampleAsync(shipper, http, cancellationToken);
            var cpuMs = ((after.Cpu - before.Cpu) - (idle.Cpu * elapsed)) * 1000 / scrapes;
            var allocatedKiB = ((after.Allocated - before.Allocated) - (idle.Allocated * elapsed)) / 1024 / scrapes;
            var (_, contentType, body) = bodies[c];
            var parser = await PythonPrometheusParser.CheckAsync(body, contentType.StartsWith("application/openmetrics-text", StringComparison.Ordinal), cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | `{contentType}` | {body.Length:N0} | {Families(body).Count} | {cpuMs:0.00} | {allocatedKiB:0.0} | {parser} |"));
        }

        await shipper.StopAsync(TimeSpan.FromSeconds(10));
        return 0;
    }

    private static async Task<(string ContentType, string Body)> GetAsync(HttpClient http, string path, string? accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }

        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (response.Content.Headers.ContentType?.ToString() ?? "", await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>The shipper's CPU seconds and allocated bytes so far (the runtime meter, read through today's exporter).</summary>
    private static async Task<(double Cpu, double Allocated)> SampleAsync(ShipperProcess shipper, HttpClient http, CancellationToken cancellationToken)
    {
        var text = (await GetAsync(http, "/metrics", null, cancellationToken)).Body;
        return (shipper.Sample().CpuSeconds, PromScrape.Sum(text, "dotnet_gc_heap_total_allocated_bytes_total") ?? double.NaN);
    }

    /// <summary>CPU seconds and bytes allocated per second while nobody scrapes (but the samples themselves).</summary>
    private static async Task<(double Cpu, double Allocated)> IdleRateAsync(ShipperProcess shipper, HttpClient http, TimeSpan window, CancellationToken cancellationToken)
    {
        var before = await SampleAsync(shipper, http, cancellationToken);
        var clock = Stopwatch.StartNew();
        await Task.Delay(window, cancellationToken);
        var after = await SampleAsync(shipper, http, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        return ((after.Cpu - before.Cpu) / seconds, (after.Allocated - before.Allocated) / seconds);
    }

    /// <summary>Family name to type, from the <c># TYPE</c> lines.</summary>
    private static Dictionary<string, string> Families(string body) =>
        TypeLine().Matches(body).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
