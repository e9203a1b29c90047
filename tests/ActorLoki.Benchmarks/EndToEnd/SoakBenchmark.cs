using System.Diagnostics;
using System.Globalization;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Benchmarks.EndToEnd;

/// <summary>
/// <c>e2e --scenario soak --minutes N</c>: a moderate, churning load for N minutes (not run in CI), sampling
/// the shipper's resident set (and managed heap when exported) every 5 s. Memory must stay flat: the slope
/// of a least-squares line through the samples after the first fifth of the run is reported.
/// </summary>
internal static class SoakBenchmark
{
    public static async Task<E2eResult> RunAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        var length = TimeSpan.FromMinutes(options.SoakMinutes);
        var rate = options.Rate ?? 5_000;
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 10 * 1024 * 1024, cancellationToken);
        var scenario = env.NewScenario(new ScenarioOptions
        {
            Pods = 20,
            LineBytes = 200,
            TotalLinesPerSecond = rate,
            PodChurnPerMinute = 6,
            RestartsPerMinute = 6,
            JobsPerMinute = 6,
        });
        scenario.Start();
        var shipper = await env.StartShipperAsync(length + TimeSpan.FromMinutes(5), cancellationToken);
        var before = shipper.Sample();
        var simulatorCpu = SelfProcess.CpuSeconds();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var samples = new List<(double Minutes, double RssMiB, double? HeapMiB)>();
        Console.WriteLine("| minute | RSS MiB | heap MiB | lines written | lines delivered |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        var nextPrint = TimeSpan.Zero;
        long lines = 0;
        while (clock.Elapsed < length)
        {
            lines += await BenchEnvironment.DriveAsync([scenario], TimeSpan.FromSeconds(5), cancellationToken);
            var sample = shipper.Sample();
            var heap = await E2eBenchmark.HeapAsync(shipper, cancellationToken);
            samples.Add((clock.Elapsed.TotalMinutes, E2eBenchmark.MiB(sample.RssBytes), heap));
            if (clock.Elapsed >= nextPrint)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {clock.Elapsed.TotalMinutes:F1} | {E2eBenchmark.MiB(sample.RssBytes):F1} | {(heap is { } h ? h.ToString("F1", CultureInfo.InvariantCulture) : "–")} | {env.Cluster.Ledger.Count:N0} | {env.Loki.Statistics.EntriesAccepted:N0} |"));
                nextPrint += TimeSpan.FromMinutes(Math.Max(0.5, options.SoakMinutes / 20));
            }

            if (shipper.HasExited)
            {
                Console.Error.WriteLine($"The shipper exited:\n{shipper.RecentOutput}");
                break;
            }
        }

        var delivered = await env.WaitForDeliveryAsync(TimeSpan.FromSeconds(120), cancellationToken);
        var after = shipper.Sample();
        simulatorCpu = SelfProcess.CpuSeconds() - simulatorCpu;
        await shipper.StopAsync(TimeSpan.FromSeconds(15));
        var settled = samples.Where(s => s.Minutes >= length.TotalMinutes / 5).ToList();
        var rssSlope = Slope(settled.Select(s => (s.Minutes, s.RssMiB)).ToList());
        var heapSlope = settled.All(s => s.HeapMiB is not null) && settled.Count > 1 ? Slope(settled.Select(s => (s.Minutes, s.HeapMiB!.Value)).ToList()) : (double?)null;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: RSS slope after the first fifth {rssSlope:+0.00;-0.00} MiB/min (min {settled.Min(s => s.RssMiB):F1}, max {settled.Max(s => s.RssMiB):F1} MiB){(heapSlope is { } hs ? $"; heap slope {hs:+0.00;-0.00} MiB/min" : "; heap not exported by the shipper's /metrics")}"));
        var heapAtEnd = samples.LastOrDefault().HeapMiB;
        var (p50, p99, max) = env.Latency(started, DateTimeOffset.UtcNow);
        return E2eBenchmark.Complete(env, E2eBenchmark.Measured("soak", before, after, simulatorCpu, heapAtEnd) with
        {
            Containers = env.Cluster.Ledger.Streams.Count,
            WindowSeconds = clock.Elapsed.TotalSeconds,
            LinesWritten = env.Cluster.Ledger.Count,
            LinesInWindow = lines,
            LinesPerSecond = lines / clock.Elapsed.TotalSeconds,
            DeliveredInTime = delivered,
            LatencyP50Seconds = p50,
            LatencyP99Seconds = p99,
            LatencyMaxSeconds = max,
            Notes = string.Create(CultureInfo.InvariantCulture, $"{options.SoakMinutes:F0} min at {rate:N0} lines/s with churn; RSS slope {rssSlope:+0.00;-0.00} MiB/min{(heapSlope is { } slope ? $", heap slope {slope:+0.00;-0.00} MiB/min" : "")}"),
        });
    }

    /// <summary>Least-squares slope of y over x.</summary>
    private static double Slope(List<(double X, double Y)> points)
    {
        if (points.Count < 2)
        {
            return double.NaN;
        }

        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var numerator = points.Sum(p => (p.X - meanX) * (p.Y - meanY));
        var denominator = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return denominator == 0 ? double.NaN : numerator / denominator;
    }
}
