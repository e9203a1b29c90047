using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Benchmarks.EndToEnd;

/// <summary>
/// The end-to-end load benchmark: the simulated namespace and the Loki receiver run in this process (pinned
/// to core 1), the real <c>actorloki run</c> in a child process (pinned to core 0), so the shipper's CPU and
/// memory are its own. Every line is accounted for against the simulator's ledger.
/// <code>
/// dotnet run -c Release --project tests/ActorLoki.Benchmarks -- e2e [--scenario burst,steady,fanout,outage,churn,fargate,idle,scale-out|soak]
///     [--quick] [--rate N] [--lines N] [--seconds N] [--minutes N] [--tls] [--no-pin] [--memory-limit MIB]
///     [--cpu-quota CORES] [--bare] [--shipper PATH/actorloki.dll | PATH/actorloki | --published] [--set KEY=VALUE]... [--env NAME=VALUE]... [--json FILE]
/// </code>
/// </summary>
public sealed class E2eBenchmark : IBenchmark
{
    internal static readonly string[] AllScenarios = ["burst", "steady", "fanout", "outage", "churn"];

    /// <summary>The fixed-cost scenarios of a Fargate-sized pod (run by name: <c>--scenario fargate,idle</c>).</summary>
    internal static readonly string[] CostScenarios = ["fargate", "idle"];

    private const int LineBytes = 200;

    public string Name => "e2e";

    public string Description => "end to end: simulator + Loki receiver here, actorloki run in a child process; throughput, CPU, memory, latency, completeness";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        E2eOptions options;
        try
        {
            options = E2eOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        var shipperDll = options.ShipperDll ?? (options.Published ? await PublishShipperAsync(cancellationToken) : LocateShipper());
        if (shipperDll is null)
        {
            await Console.Error.WriteLineAsync(options.Published ? "the shipper could not be published (see above)" : "actorloki.dll (Release) not found: dotnet build -c Release src/ActorLoki");
            return 2;
        }

        if (options.Pin)
        {
            SelfProcess.PinAllThreads(1);
        }

        using var quota = options.CpuQuotaCores is { } cores ? CpuQuota.Create(cores) : null;
        options = options with { Quota = quota };

        // SIGTERM (as Ctrl-C) cancels the run, so the shipper child is stopped by the disposals below; if this
        // process is killed outright, the child's `timeout` ends it.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        cancellationToken = stop.Token;

        Console.WriteLine($"# e2e (ActorLoki {Program.Version}, .NET {Environment.Version}); {Machine()}");
        Console.WriteLine($"shipper: {shipperDll}{(options.Pin ? ", pinned to core 0; simulator and receiver pinned to core 1" : "")}; Kubernetes API over {(options.Tls ? "HTTPS/2" : "HTTP/1.1")}{(options.Sets.Count > 0 ? "; --set " + string.Join(" ", options.Sets) : "")}");
        Console.WriteLine(quota is null
            ? "cpu: no quota (--cpu-quota 0.25 holds the shipper to a quarter of a CPU, as the smallest Fargate pod)"
            : string.Create(CultureInfo.InvariantCulture, $"cpu: the shipper runs in a cgroup with a CFS quota of {quota.Cores} CPU ({quota.Kind}), so .NET sees it as in a pod"));
        Console.WriteLine(options.Bare
            ? "environment: none (--bare): run as `dotnet actorloki.dll run` outside the image, no runtime variables, no memory limit emulated"
            : options.MemoryLimitMiB > 0
            ? $"memory: a container limit of {options.MemoryLimitMiB} MiB is emulated (the GC heap limit .NET derives from it, 75%: DOTNET_GCHeapHardLimit); --memory-limit 0 for none"
            : "memory: no container limit emulated (the GC sizes its young generation from the CPU cache)");
        Console.WriteLine($"shipper environment: {(options.ShipperEnvironment.Count == 0 ? "none (the build's runtimeconfig.json only)" : string.Join(' ', options.ShipperEnvironment))}");
        Console.WriteLine();

        var results = new List<E2eResult>();
        var clock = Stopwatch.StartNew();
        foreach (var scenario in options.Scenarios)
        {
            Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {scenario}...");
            var result = scenario switch
            {
                "burst" => await BurstAsync(options, shipperDll, cancellationToken),
                "steady" => await SteadyAsync(options with { Rate = options.Rate ?? BurstRate(results) }, shipperDll, cancellationToken),
                "fanout" => await FanoutAsync(options, shipperDll, cancellationToken),
                "outage" => await OutageAsync(options, shipperDll, cancellationToken),
                "churn" => await ChurnAsync(options, shipperDll, cancellationToken),
                "fargate" => await FargateAsync(options, shipperDll, cancellationToken),
                "idle" => await IdleAsync(options, shipperDll, cancellationToken),
                "soak" => await SoakBenchmark.RunAsync(options, shipperDll, cancellationToken),
                ScaleOutBenchmark.Name => await ScaleOutBenchmark.RunAsync(options, shipperDll, cancellationToken),
                _ => throw new InvalidOperationException(scenario),
            };
            results.Add(result);
            Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {scenario}: {result.LinesPerSecond:N0} lines/s, missing {result.Missing}, duplicates {result.VisibleDuplicates}");
        }

        Console.WriteLine(E2eResult.Table(results));
        var failures = Targets(options, results);
        var json = options.JsonPath ?? Path.Combine(RepositoryRoot() ?? ".", "artifacts", "bench", $"e2e-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { machine = Machine(), options = args, elapsedSeconds = clock.Elapsed.TotalSeconds, results }, JsonOptions), cancellationToken);
        Console.WriteLine($"JSON: {json} ({clock.Elapsed.TotalSeconds:F0} s in all)");
        return failures == 0 ? 0 : 1;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    // ---- scenarios ----------------------------------------------------------------------------------

    /// <summary>
    /// As fast as the simulator can write: 20 containers' logs are written first (as fast as one core writes
    /// them), then the shipper starts and reads the backlog. The window runs from the first line Loki
    /// accepted to the last, so the shipper's start-up is not in it.
    /// </summary>
    private static async Task<E2eResult> BurstAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        var lines = options.BurstLines ?? (options.Quick ? 500_000 : 1_500_000);
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 1L << 30, cancellationToken);
        var scenario = env.NewScenario(new ScenarioOptions { Pods = 20, LineBytes = LineBytes, StackTraceProbability = 0 });
        scenario.Start();
        var writing = Stopwatch.StartNew();
        scenario.WriteLines(lines);
        var writeRate = lines / writing.Elapsed.TotalSeconds;

        var shipper = await env.StartShipperAsync(TimeSpan.FromMinutes(5), cancellationToken);
        using (var first = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            first.CancelAfter(TimeSpan.FromSeconds(30));
            await env.Loki.WaitForEntriesAsync(1, first.Token);
        }

        var accepted0 = env.Loki.Statistics.EntriesAccepted;
        var window = new MeasuredWindow(shipper);
        var delivered = await env.WaitForDeliveryAsync(TimeSpan.FromSeconds(options.Quick ? 60 : 180), cancellationToken);
        var measured = await window.EndAsync("burst", cancellationToken);
        var inWindow = env.Loki.Statistics.EntriesAccepted - accepted0;
        return Complete(env, measured with
        {
            Containers = 20,
            WindowSeconds = window.Elapsed.TotalSeconds,
            LinesWritten = lines,
            LinesInWindow = inWindow,
            LinesPerSecond = inWindow / window.Elapsed.TotalSeconds,
            DeliveredInTime = delivered,
            Notes = string.Create(CultureInfo.InvariantCulture, $"backlog of {lines:N0} lines written first ({writeRate:N0} lines/s, one core); simulator+receiver CPU {measured.SimulatorCpuSeconds:F1} s"),
        });
    }

    /// <summary>20 pods writing 200-byte lines at a fixed total rate (half of burst's by default).</summary>
    private static async Task<E2eResult> SteadyAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        var rate = options.Rate ?? 50_000;
        var windowLength = options.Window ?? options.Pick(30, 10);
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 10 * 1024 * 1024, cancellationToken);
        var scenario = env.NewScenario(new ScenarioOptions { Pods = 20, LineBytes = LineBytes, StackTraceProbability = 0, TotalLinesPerSecond = rate });
        scenario.Start();
        var shipper = await env.StartShipperAsync(windowLength + TimeSpan.FromMinutes(3), cancellationToken);
        await BenchEnvironment.DriveAsync([scenario], options.Pick(3, 2), cancellationToken);

        var measured = await MeasureWindowAsync(env, shipper, [scenario], windowLength, options, cancellationToken);
        return Complete(env, measured with
        {
            Scenario = "steady",
            Containers = 20,
            Notes = string.Create(CultureInfo.InvariantCulture, $"{rate:N0} lines/s offered for {windowLength.TotalSeconds:F0} s; p99 target {(options.BatchWait + TimeSpan.FromMilliseconds(250)).TotalMilliseconds:F0} ms; simulator+receiver CPU {measured.SimulatorCpuSeconds:F1} s"),
        });
    }

    /// <summary>
    /// 1,000 containers writing 2 lines/s each. The shipper first follows 10 containers, then 990 more are
    /// created: the growth of its resident set over the 990 is the memory each followed container costs.
    /// </summary>
    private static async Task<E2eResult> FanoutAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        const int baseContainers = 10, addedContainers = 990;
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 10 * 1024 * 1024, cancellationToken);
        var few = env.NewScenario(new ScenarioOptions { PodPrefix = "base", Pods = baseContainers, LineBytes = LineBytes, LinesPerSecondPerContainer = 2 });
        few.Start();
        var shipper = await env.StartShipperAsync(TimeSpan.FromMinutes(5), cancellationToken);
        await BenchEnvironment.DriveAsync([few], options.Pick(8, 5), cancellationToken);
        var baseRss = await SteadyRssAsync(env, shipper, [few], cancellationToken);

        var many = env.NewScenario(new ScenarioOptions { PodPrefix = "fan", Pods = addedContainers, LineBytes = LineBytes, LinesPerSecondPerContainer = 2 });
        many.Start();
        var following = Stopwatch.StartNew();
        while (env.Loki.Streams().Count < baseContainers + addedContainers && following.Elapsed < TimeSpan.FromSeconds(60))
        {
            await BenchEnvironment.DriveAsync([few, many], TimeSpan.FromSeconds(1), cancellationToken);
        }

        var allFollowedAfter = following.Elapsed;
        var measured = await MeasureWindowAsync(env, shipper, [few, many], options.Pick(20, 8), options, cancellationToken, measureRssAtEnd: true);
        return Complete(env, measured with
        {
            Scenario = "fanout",
            Containers = baseContainers + addedContainers,
            RssPerAddedContainerKiB = (measured.EndRssMiB - baseRss) * 1024 / addedContainers,
            Notes = string.Create(CultureInfo.InvariantCulture, $"2 lines/s per container; RSS {baseRss:F1} MiB at {baseContainers} containers, {measured.EndRssMiB:F1} MiB at {baseContainers + addedContainers}; all followed {allFollowedAfter.TotalSeconds:F1} s after creation"),
        });
    }

    /// <summary>20 pods at a fixed rate; the receiver goes down mid-run. Catch-up: from its return until every line written before it is in.</summary>
    private static async Task<E2eResult> OutageAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        var rate = options.Rate is { } r ? r / 5 : 10_000;
        var outage = options.Pick(30, 8);
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 10 * 1024 * 1024, cancellationToken);
        var scenario = env.NewScenario(new ScenarioOptions { Pods = 20, LineBytes = LineBytes, StackTraceProbability = 0, TotalLinesPerSecond = rate });
        scenario.Start();
        var shipper = await env.StartShipperAsync(outage + TimeSpan.FromMinutes(4), cancellationToken);
        var window = new MeasuredWindow(shipper);
        await BenchEnvironment.DriveAsync([scenario], options.Pick(5, 3), cancellationToken);
        await env.Loki.GoDownAsync();
        await BenchEnvironment.DriveAsync([scenario], outage, cancellationToken);
        await env.Loki.ComeUpAsync(cancellationToken);
        var up = DateTimeOffset.UtcNow;
        await BenchEnvironment.DriveAsync([scenario], options.Pick(10, 5), cancellationToken);
        var delivered = await env.WaitForDeliveryAsync(TimeSpan.FromSeconds(90), cancellationToken);
        var measured = await window.EndAsync("outage", cancellationToken);
        var caughtUp = env.LastAcceptanceOfLinesBefore(up) is { } last ? Math.Max(0, (last - up).TotalSeconds) : (double?)null;
        var written = env.Cluster.Ledger.Count;
        return Complete(env, measured with
        {
            Containers = 20,
            WindowSeconds = window.Elapsed.TotalSeconds,
            LinesWritten = written,
            LinesInWindow = written,
            LinesPerSecond = rate,
            CatchUpSeconds = caughtUp,
            DeliveredInTime = delivered,
            Notes = string.Create(CultureInfo.InvariantCulture, $"{rate:N0} lines/s; Loki down {outage.TotalSeconds:F0} s; caught up {caughtUp:F1} s after it came back (retry back-off included)"),
        });
    }

    /// <summary>20 pods at 100 lines/s each, pods replaced, containers restarting, short Jobs coming and going.</summary>
    private static async Task<E2eResult> ChurnAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        var windowLength = options.Window ?? options.Pick(30, 12);
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 10 * 1024 * 1024, cancellationToken);
        var scenario = env.NewScenario(new ScenarioOptions
        {
            Pods = 20,
            LineBytes = LineBytes,
            LinesPerSecondPerContainer = 100,
            PodChurnPerMinute = 60,
            RestartsPerMinute = 60,
            JobsPerMinute = 60,
            JobTimeToLive = TimeSpan.FromSeconds(5),
        });
        scenario.Start();
        var shipper = await env.StartShipperAsync(windowLength + TimeSpan.FromMinutes(3), cancellationToken);
        var measured = Complete(env, await MeasureWindowAsync(env, shipper, [scenario], windowLength, options, cancellationToken));
        return measured with
        {
            Scenario = "churn",
            Containers = env.Cluster.Ledger.Streams.Count,
            Notes = string.Create(CultureInfo.InvariantCulture, $"{env.Cluster.Ledger.Streams.Count} container instances; 1 pod replaced, 1 restart and 1 Job per second; {measured.Unreadable} lines deleted with their pod before anyone could read them"),
        };
    }

    /// <summary>
    /// The workload of a Fargate-sized namespace: 20 containers writing 1,000 lines/s in all. Lines are written
    /// for a second before the shipper starts, so the time from its launch to the first line Loki acknowledged
    /// is its start-up cost.
    /// </summary>
    private static async Task<E2eResult> FargateAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        var rate = options.Rate ?? 1_000;
        var windowLength = options.Window ?? options.Pick(60, 20);
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 10 * 1024 * 1024, cancellationToken);
        var scenario = env.NewScenario(new ScenarioOptions { Pods = 20, LineBytes = LineBytes, StackTraceProbability = 0, TotalLinesPerSecond = rate });
        scenario.Start();
        scenario.Advance(TimeSpan.FromSeconds(1));
        var shipper = await env.StartShipperAsync(windowLength + TimeSpan.FromMinutes(3), cancellationToken);
        var waiting = Stopwatch.StartNew();
        while (env.Loki.Statistics.EntriesAccepted == 0 && waiting.Elapsed < TimeSpan.FromSeconds(60))
        {
            await BenchEnvironment.DriveAsync([scenario], TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        var startup = env.FirstAcceptance() is { } first ? (first - shipper.LaunchedAt).TotalSeconds : (double?)null;
        await BenchEnvironment.DriveAsync([scenario], options.Pick(10, 5), cancellationToken);

        var (measured, throttled) = await MeasureUnderQuotaAsync(env, shipper, [scenario], windowLength, options, cancellationToken);
        return Complete(env, measured with
        {
            Scenario = "fargate",
            Containers = 20,
            StartupSeconds = startup,
            Notes = string.Create(CultureInfo.InvariantCulture, $"{rate:N0} lines/s for {windowLength.TotalSeconds:F0} s; {measured.Millicores:F0} millicores; {(startup is { } up ? string.Create(CultureInfo.InvariantCulture, $"first line acknowledged {up:F2} s after the launch") : "no line acknowledged within 60 s of the launch")}; end RSS {measured.EndRssMiB:F0} MiB{throttled}"),
        });
    }

    /// <summary>
    /// The fixed cost of following: 200 containers writing 2 lines/s each (400 lines/s in all). After a
    /// warm-up, the shipper's CPU over the window is its steady cost in millicores.
    /// </summary>
    private static async Task<E2eResult> IdleAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        var windowLength = options.Window ?? options.Pick(180, 40);
        await using var env = await BenchEnvironment.StartAsync(options, shipperDll, rotationBytes: 10 * 1024 * 1024, cancellationToken);
        var scenario = env.NewScenario(new ScenarioOptions { Pods = 200, LineBytes = LineBytes, LinesPerSecondPerContainer = 2 });
        scenario.Start();
        var shipper = await env.StartShipperAsync(windowLength + TimeSpan.FromMinutes(4), cancellationToken);
        await BenchEnvironment.DriveAsync([scenario], options.Pick(60, 20), cancellationToken);

        var (measured, throttled) = await MeasureUnderQuotaAsync(env, shipper, [scenario], windowLength, options, cancellationToken);
        return Complete(env, measured with
        {
            Scenario = "idle",
            Containers = 200,
            Notes = string.Create(CultureInfo.InvariantCulture, $"2 lines/s per container for {windowLength.TotalSeconds:F0} s after a warm-up; {measured.Millicores:F1} millicores; end RSS {measured.EndRssMiB:F0} MiB{throttled}"),
        });
    }

    /// <summary>A measured window, and how often the CPU quota (when there is one) held the shipper back in it, as a note.</summary>
    private static async Task<(E2eResult Measured, string Throttled)> MeasureUnderQuotaAsync(BenchEnvironment env, ShipperProcess shipper, IReadOnlyList<Scenario> scenarios, TimeSpan length, E2eOptions options, CancellationToken cancellationToken)
    {
        var before = options.Quota?.Throttling();
        var measured = await MeasureWindowAsync(env, shipper, scenarios, length, options, cancellationToken);
        var note = before is { } b && options.Quota?.Throttling() is { } a
            ? string.Create(CultureInfo.InvariantCulture, $"; throttled in {a.ThrottledPeriods - b.ThrottledPeriods} CFS periods ({a.ThrottledSeconds - b.ThrottledSeconds:F1} s held back)")
            : "";
        return (measured, note);
    }

    // ---- measuring ----------------------------------------------------------------------------------

    /// <summary>Drives the scenarios for <paramref name="length"/>, waits for delivery, and measures the shipper over that time.</summary>
    private static async Task<E2eResult> MeasureWindowAsync(BenchEnvironment env, ShipperProcess shipper, IReadOnlyList<Scenario> scenarios, TimeSpan length, E2eOptions options, CancellationToken cancellationToken, bool measureRssAtEnd = false)
    {
        var window = new MeasuredWindow(shipper);
        var from = DateTimeOffset.UtcNow;
        var lines = await BenchEnvironment.DriveAsync(scenarios, length, cancellationToken);
        var to = DateTimeOffset.UtcNow;
        var endRss = measureRssAtEnd ? await SteadyRssAsync(env, shipper, scenarios, cancellationToken) : 0;
        var delivered = await env.WaitForDeliveryAsync(TimeSpan.FromSeconds(options.Quick ? 45 : 120), cancellationToken);
        var cpuSeconds = window.Elapsed.TotalSeconds;
        var measured = await window.EndAsync("", cancellationToken);
        var (p50, p99, max) = env.Latency(from, to);
        return measured with
        {
            WindowSeconds = length.TotalSeconds,
            CpuWindowSeconds = cpuSeconds,
            LinesWritten = env.Cluster.Ledger.Count,
            LinesInWindow = lines,
            LinesPerSecond = lines / length.TotalSeconds,
            EndRssMiB = measureRssAtEnd ? endRss : measured.EndRssMiB,
            LatencyP50Seconds = p50,
            LatencyP99Seconds = p99,
            LatencyMaxSeconds = max,
            DeliveredInTime = delivered,
        };
    }

    /// <summary>The shipper's resident set, averaged over 2 s of running (MiB).</summary>
    private static async Task<double> SteadyRssAsync(BenchEnvironment env, ShipperProcess shipper, IReadOnlyList<Scenario> scenarios, CancellationToken cancellationToken)
    {
        var samples = new List<long>();
        for (var i = 0; i < 8; i++)
        {
            await BenchEnvironment.DriveAsync(scenarios, TimeSpan.FromMilliseconds(250), cancellationToken);
            samples.Add(shipper.Sample().RssBytes);
        }

        _ = env;
        return MiB((long)samples.Average());
    }

    /// <summary>The managed heap from the shipper's /metrics, when it exports the runtime meter (MiB).</summary>
    internal static async Task<double?> HeapAsync(ShipperProcess shipper, CancellationToken cancellationToken)
    {
        var metrics = await shipper.ScrapeAsync(cancellationToken);
        return PromScrape.First(metrics, "dotnet_gc_last_collection_heap_size_bytes", "process_runtime_dotnet_gc_heap_size_bytes") is { } bytes ? bytes / (1024 * 1024) : null;
    }

    /// <summary>
    /// A measured window: the shipper's and the simulator's CPU count from its creation; <see cref="EndAsync"/>
    /// samples the shipper, reads its heap, stops it and gives the measurements as a result to complete.
    /// </summary>
    private sealed class MeasuredWindow(ShipperProcess shipper)
    {
        private readonly ProcessSample _before = shipper.Sample();
        private readonly double _simulatorCpuAtStart = SelfProcess.CpuSeconds();
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public TimeSpan Elapsed => _clock.Elapsed;

        public async Task<E2eResult> EndAsync(string scenario, CancellationToken cancellationToken)
        {
            _clock.Stop();
            var after = shipper.Sample();
            var simulatorCpu = SelfProcess.CpuSeconds() - _simulatorCpuAtStart;
            var heap = await HeapAsync(shipper, cancellationToken);
            await shipper.StopAsync(TimeSpan.FromSeconds(15));
            return Measured(scenario, _before, after, simulatorCpu, heap);
        }
    }

    /// <summary>The shipper's CPU and memory between two samples, and the simulator's CPU, as a result to complete.</summary>
    internal static E2eResult Measured(string scenario, ProcessSample before, ProcessSample after, double simulatorCpu, double? heap) => new()
    {
        Scenario = scenario,
        ShipperCpuSeconds = after.CpuSeconds - before.CpuSeconds,
        SimulatorCpuSeconds = simulatorCpu,
        PeakRssMiB = MiB(after.PeakRssBytes),
        EndRssMiB = MiB(after.RssBytes),
        HeapMiB = heap,
    };

    /// <summary>The result with the audit of every line (and, when something is missing or was sent twice, what the shipper said).</summary>
    internal static E2eResult Complete(BenchEnvironment env, E2eResult result)
    {
        var report = env.Audit();
        var crashed = env.Shipper is { Crashed: true };
        if (!report.Complete || report.VisibleDuplicates > 0 || report.ResentAndDeduplicated > 0 || crashed)
        {
            Console.Error.WriteLine($"{result.Scenario}: {report}");
            if (env.Shipper is { } shipper)
            {
                Console.Error.WriteLine($"shipper output:\n{shipper.RecentOutput}");
            }
        }

        if (crashed)
        {
            result = result with
            {
                ShipperExited = true,
                Notes = $"THE SHIPPER EXITED during the run (exit code {env.Shipper!.ExitCode}; see its output above), so lines after that are missing and its CPU is not known; {result.Notes}",
            };
        }

        return result.WithAudit(report);
    }

    private static double? BurstRate(List<E2eResult> results) => results.FirstOrDefault(r => r.Scenario == "burst") is { } burst ? Math.Round(burst.LinesPerSecond / 2 / 1000) * 1000 : null;

    /// <summary>Prints each target of the issue and whether this run met it; returns how many completeness targets failed.</summary>
    private static int Targets(E2eOptions options, List<E2eResult> results)
    {
        Console.WriteLine("Targets (on one core of shipper CPU):");
        void Check(string what, bool met, string measured) => Console.WriteLine($"- [{(met ? "x" : " ")}] {what}: {measured}");
        if (results.FirstOrDefault(r => r.Scenario == "burst") is { LinesPerCoreSecond: { } perCore } burst)
        {
            Check("≥ 250,000 lines/s of 200-byte lines per core of shipper CPU", perCore >= 250_000, string.Create(CultureInfo.InvariantCulture, $"{perCore:N0} lines per CPU-second ({burst.LinesPerSecond:N0} lines/s wall)"));
        }

        if (results.FirstOrDefault(r => r.Scenario == "fanout") is { RssPerAddedContainerKiB: { } perContainer } fanout)
        {
            Check("≤ 64 KiB RSS per added container at 1,000 containers", perContainer <= 64, string.Create(CultureInfo.InvariantCulture, $"{perContainer:F1} KiB"));
            Check("≤ 150 MiB RSS in total at 1,000 containers", fanout.PeakRssMiB <= 150, string.Create(CultureInfo.InvariantCulture, $"peak {fanout.PeakRssMiB:F0} MiB"));
        }

        if (results.FirstOrDefault(r => r.Scenario == "steady") is { LatencyP99Seconds: { } p99 })
        {
            var limit = options.BatchWait + TimeSpan.FromMilliseconds(250);
            Check($"p99 latency ≤ batch wait + 250 ms ({limit.TotalMilliseconds:F0} ms) at the steady rate", p99 <= limit.TotalSeconds, string.Create(CultureInfo.InvariantCulture, $"{p99 * 1000:F0} ms"));
        }

        var held = options.Quota is { } q ? string.Create(CultureInfo.InvariantCulture, $" held to {q.Cores} CPU") : " (no CPU quota: --cpu-quota 0.25)";
        if (results.FirstOrDefault(r => r.Scenario == "fargate") is { } fargate)
        {
            if (options.Bare)
            {
                Check("≤ 128 MiB resident for 20 containers at 1,000 lines/s, run with no environment variables", fargate.PeakRssMiB <= 128, string.Create(CultureInfo.InvariantCulture, $"peak {fargate.PeakRssMiB:F0} MiB"));
            }

            if (fargate.LatencyP99Seconds is { } p99Fargate)
            {
                Check($"p99 latency ≤ 1.25 s for 20 containers at 1,000 lines/s{held}", p99Fargate <= 1.25, string.Create(CultureInfo.InvariantCulture, $"{p99Fargate * 1000:F0} ms"));
            }

            if (fargate.StartupSeconds is { } startup)
            {
                Check($"≤ 3 s from process start to the first line acknowledged{held}", startup <= 3, string.Create(CultureInfo.InvariantCulture, $"{startup:F2} s"));
            }
        }

        if (results.FirstOrDefault(r => r.Scenario == "idle") is { } idle)
        {
            Check($"≤ 35 millicores in steady state for 200 containers at 2 lines/s each{(options.Tls ? " over HTTPS" : " (over HTTP/1.1: --tls for HTTPS as in a cluster)")}", idle.Millicores <= 35, string.Create(CultureInfo.InvariantCulture, $"{idle.Millicores:F1} millicores"));
        }

        if (results.FirstOrDefault(r => r.Scenario == ScaleOutBenchmark.Name) is { } scaleOut)
        {
            Check("scale-out: every stream of a SIGKILLed node followed again within 30 s (default settings)", scaleOut.CatchUpSeconds is <= 30,
                scaleOut.CatchUpSeconds is { } refollow ? string.Create(CultureInfo.InvariantCulture, $"{refollow:F1} s") : "not all followed again");
        }

        var failures = 0;
        foreach (var r in results)
        {
            var ok = r.Missing == 0 && r.VisibleDuplicates == 0 && r.Unexpected == 0 && r.DeliveredInTime;
            failures += ok ? 0 : 1;
            Check($"{r.Scenario}: zero missing, zero duplicates", ok, string.Create(CultureInfo.InvariantCulture, $"delivered {r.Delivered:N0}, missing {r.Missing}, visible duplicates {r.VisibleDuplicates}, out of order {r.OutOfOrder}, unexpected {r.Unexpected}, unreadable {r.Unreadable}, re-sent and dropped by Loki {r.ResentAndDeduplicated}{(r.DeliveredInTime ? "" : ", NOT delivered in time")}"));
        }

        Console.WriteLine();
        return failures;
    }

    // ---- environment --------------------------------------------------------------------------------

    internal static double MiB(long bytes) => bytes / (1024.0 * 1024.0);

    internal static string? RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ActorLoki.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    /// <summary>
    /// <c>dotnet publish</c> of the shipper as in the Dockerfile: self-contained for this machine's runtime identifier,
    /// so one composite ReadyToRun image (src/ActorLoki/ReadyToRun.targets). Returns the published executable, which
    /// the benchmark starts as the image does, or null when the publish failed.
    /// </summary>
    internal static async Task<string?> PublishShipperAsync(CancellationToken cancellationToken)
    {
        if (RepositoryRoot() is not { } root)
        {
            return null;
        }

        var output = Path.Combine(root, "artifacts", "bench", "publish");
        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        Console.WriteLine($"publishing the shipper as the image does (self-contained, composite ReadyToRun, {rid}) to {output}...");

        // The precompiled images of an earlier publish of another kind (framework-dependent, one image per assembly)
        // look up to date to the SDK and would be published as they are: start from none.
        var precompiled = Path.Combine(root, "src", "ActorLoki", "obj", "Release", "net10.0", rid, "R2R");
        if (Directory.Exists(precompiled))
        {
            Directory.Delete(precompiled, recursive: true);
        }

        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var start = new System.Diagnostics.ProcessStartInfo(ShipperProcess.DotnetHost()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["publish", Path.Combine(root, "src", "ActorLoki", "ActorLoki.csproj"), "--configuration", "Release", "--runtime", rid, "--self-contained", "true", "--output", output])
        {
            start.ArgumentList.Add(argument);
        }

        using var publish = System.Diagnostics.Process.Start(start)!;
        var log = publish.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = publish.StandardError.ReadToEndAsync(cancellationToken);
        await publish.WaitForExitAsync(cancellationToken);
        if (publish.ExitCode != 0)
        {
            await Console.Error.WriteLineAsync($"dotnet publish failed ({publish.ExitCode}):\n{await log}{await errors}");
            return null;
        }

        var executable = Path.Combine(output, "actorloki");
        return File.Exists(executable) ? executable : null;
    }

    internal static string? LocateShipper()
    {
        var root = RepositoryRoot();
        var dll = root is null ? null : Path.Combine(root, "src", "ActorLoki", "bin", "Release", "net10.0", "actorloki.dll");
        return dll is not null && File.Exists(dll) ? dll : null;
    }

    internal static string Machine()
    {
        var memory = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        var gib = memory is null ? 0 : long.Parse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / (1024.0 * 1024.0);
        var model = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() : null;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        return string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores ({model ?? "unknown CPU"}), {gib:F0} GiB, load average {load} at start");
    }
}
