using System.Globalization;
using ActorLoki.Hosting;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Logging;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using ActorLoki.Simulator;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;

namespace ActorLoki.Demo;

/// <summary>
/// <c>actorloki demo</c>: a simulated namespace and a Loki-compatible receiver in this process, the real
/// shipper in the real host between them, a live summary while lines flow, and at the end — after the
/// duration or Ctrl-C: stop writing, let the shipper catch up, stop it (SIGTERM path), then account — a
/// table of every line written against what Loki stored. With <c>demo.loki-url</c> the lines go to that Loki
/// instead, and the table says what Loki acknowledged.
/// </summary>
/// <remarks>
/// With <c>--replicas N</c> (<c>demo.replicas</c>, N &gt; 1) the shipper runs as N nodes of one Akka cluster in this process: N hosts,
/// each with its own actor system, real remoting on a free port of 127.0.0.1, the first as the seed, its own
/// token for the API server, and positions in the simulated namespace's ConfigMaps, so the nodes share them as
/// replicas in a Deployment do. At half time the last node stops gracefully (the SIGTERM path: its streams are
/// handed over to the others), and the audit must still show every line exactly once.
/// </remarks>
internal sealed class DemoRunner(ActorLokiSettings settings, TextWriter output, TextWriter logs, bool logsToTerminal)
{
    /// <summary>How long the shipper may take to deliver what was written before the demo stops it anyway.</summary>
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly DemoSettings _demo = settings.Demo;

    private readonly int _replicas = settings.Demo.Replicas;

    /// <summary>Runs the demo; <paramref name="stop"/> (Ctrl-C) ends the writing early. 0 only when every line got through exactly once.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        await using var kube = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = DemoWorkload.Namespace }, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        var receiver = _demo.LokiUrl is null ? await LokiReceiver.StartAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false) : null;
        try
        {
            var lokiUrl = receiver?.PushUrl ?? _demo.LokiUrl!;
            var ports = Enumerable.Range(0, _replicas).Select(_ => FreePort()).ToList();
            var (loggerFactory, serilog) = ActorLokiLogging.Create(ShipperSettings(lokiUrl, ports, 0).Logging, logs, logsToTerminal);
            var global = ActorLokiLogging.UseAsGlobal(serilog); // Akka.Logger.Serilog writes Akka's events there
            var nodes = new List<DemoNode>();
            try
            {
                for (var i = 0; i < _replicas; i++)
                {
                    // Each node authenticates as a user of its own, as each replica's pod would.
                    var token = _replicas == 1 ? kube.Tokens.Current : kube.Tokens.Issue($"system:serviceaccount:{DemoWorkload.Namespace}:actorloki-{i + 1}");
                    var host = ShipperHost.Create(
                        ShipperSettings(lokiUrl, ports, i),
                        loggerFactory,
                        options => options with
                        {
                            KubernetesConfiguration = new KubernetesClientConfiguration
                            {
                                Server = kube.BaseAddress,
                                Namespace = DemoWorkload.Namespace,
                                Credentials = KubernetesCredentials.Token(token),
                                Source = "the demo's simulated API server",
                            },
                            // One node: in memory. Several: the configured store (ConfigMaps in the simulated namespace), shared.
                            PositionsStore = _replicas == 1 ? new MemoryPositionsStore() : null,
                        },
                        new ShipperHostOptions { AnyFreePort = true, HandleTerminationSignals = false });
                    nodes.Add(new DemoNode(i + 1, host));
                    await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
                }

                WriteHeader(receiver, lokiUrl, nodes[0].Host.EndpointAddress, ports);

                // The pods start once the shipper watches (they arrive as watch events): a worker that crashed twice
                // before anyone listed it would have lost its first run for good, as on a real cluster.
                await WaitUntilWatchingAsync(nodes, kube).ConfigureAwait(false);
                var workload = new DemoWorkload(kube.Cluster, _demo);
                workload.Start();

                var elapsed = await WriteAndSummarizeAsync(workload, nodes, kube.Cluster.Ledger, stop).ConfigureAwait(false);
                await output.WriteLineAsync("  (read: from the API, with lines read again on a resume; lag: kubelet timestamp to Loki's acknowledgement; ended: container instances that ended)").ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Stopped writing after {elapsed.TotalSeconds:0} s; waiting for the shipper to catch up...")).ConfigureAwait(false);
                await CatchUpAsync(receiver, () => Combined(nodes), kube.Cluster.Ledger).ConfigureAwait(false);

                // The youngest first: the oldest node holds the cluster's singletons, which would otherwise move each time.
                foreach (var node in Enumerable.Reverse(nodes))
                {
                    await node.StopAsync().ConfigureAwait(false);
                }

                await output.WriteLineAsync().ConfigureAwait(false);

                var metrics = Combined(nodes);

                return receiver is null
                    ? await WritePushSummaryAsync(lokiUrl, kube.Cluster.Ledger.Count, metrics).ConfigureAwait(false)
                    : await WriteAuditAsync(DeliveryAudit.Account(kube.Cluster.Ledger, receiver)).ConfigureAwait(false);
            }
            finally
            {
                foreach (var node in nodes)
                {
                    await node.Host.DisposeAsync().ConfigureAwait(false);
                }

                global.Dispose();
                loggerFactory.Dispose();
                await serilog.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (receiver is not null)
            {
                await receiver.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The user's settings, pointed at the simulated namespace and kept in this process; with several replicas,
    /// node <paramref name="index"/>'s: cluster on, remoting on <paramref name="ports"/>[index] of 127.0.0.1, the
    /// first node as the seed, positions in the simulated namespace's ConfigMaps.
    /// </summary>
    private ActorLokiSettings ShipperSettings(Uri lokiUrl, List<int> ports, int index) => settings with
    {
        Kubernetes = settings.Kubernetes with { Namespaces = [DemoWorkload.Namespace], AllNamespaces = false },
        Selection = settings.Selection with { ExcludeSelf = false },
        Loki = settings.Loki with { Url = lokiUrl },
        Positions = _replicas == 1
            ? settings.Positions with { Store = PositionsStoreKind.Memory }
            : settings.Positions with { Store = PositionsStoreKind.ConfigMap, ConfigMapNamespace = DemoWorkload.Namespace },
        Cluster = _replicas == 1 ? settings.Cluster : settings.Cluster with
        {
            Enabled = true,
            Hostname = "127.0.0.1",
            Port = ports[index],
            SeedNodes = [Address(ports[0])],
        },
        Http = settings.Http with { Host = "127.0.0.1" },
        // The demo's own lines are the show; the shipper speaks up only for warnings, unless asked.
        Logging = _demo.Verbose || settings.Logging.Level > ShipperLogLevel.Warning ? settings.Logging : settings.Logging with { Level = ShipperLogLevel.Warning },
    };

    private static string Address(int port) => string.Create(CultureInfo.InvariantCulture, $"akka.tcp://{ActorLoki.Shipper.ShipperRuntime.SystemName}@127.0.0.1:{port}");

    /// <summary>A free TCP port of 127.0.0.1 for a node's remoting (the seed's must be known before it starts).</summary>
    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Every node's figures, added up (a stopped node's as they were when it stopped).</summary>
    private static DemoMetrics Combined(IReadOnlyList<DemoNode> nodes) => DemoMetrics.Sum(nodes.Select(n => n.Metrics()));

    private void WriteHeader(LokiReceiver? receiver, Uri lokiUrl, Uri? endpoints, List<int> ports)
    {
        output.WriteLine($"ActorLoki demo: the real pipeline against a simulated namespace \"{DemoWorkload.Namespace}\"");
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  Pods: {_demo.Pods} web pods writing {_demo.LinesPerSecond:0.#} lines/s each (JSON access logs, text, stack traces), a worker that crashes every {_demo.CrashInterval.TotalSeconds:0.#} s, a Job every {_demo.JobInterval.TotalSeconds:0.#} s"));
        output.WriteLine(receiver is null
            ? $"  Loki: {Redacted(lokiUrl)} (query {{namespace=\"{DemoWorkload.Namespace}\"}})"
            : $"  Loki: the built-in receiver at {receiver.BaseAddress}");
        if (_replicas > 1)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  Replicas: {_replicas} nodes in one Akka cluster in this process (remoting on 127.0.0.1:{string.Join(", ", ports)}; positions in the simulated ConfigMaps); node {_replicas} stops gracefully at {_demo.Duration.TotalSeconds / 2:0.#} s"));
        }

        if (endpoints is not null)
        {
            output.WriteLine($"  Live: {endpoints}metrics and {endpoints}debug/streams{(_replicas > 1 ? " (node 1)" : "")}");
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  Writing for {_demo.Duration.TotalSeconds:0.#} s (Ctrl-C stops early); {(_demo.Verbose ? $"the shipper's own log at {settings.Logging.Level}" : "the shipper's own log shows warnings only (--verbose shows more)")}"));
        output.WriteLine();
        output.WriteLine("    time    written       read       sent   lag p50   lag p99   retries   tails   ended");
        output.Flush();
    }

    /// <summary>
    /// One node: until its namespace watch is synced. Several: until every node is an Up member and the
    /// API server has a pod watch open (the cluster's stream coordinator watches on one node only).
    /// </summary>
    private async Task WaitUntilWatchingAsync(IReadOnlyList<DemoNode> nodes, KubernetesSimulator kube)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(_replicas == 1 ? 20 : 60));
        if (_replicas == 1)
        {
            while (nodes[0].Host.Service.Runtime is { } runtime && !(await runtime.GetStatusAsync(limit.Token).ConfigureAwait(false)).AllSynced)
            {
                await Task.Delay(Tick, limit.Token).ConfigureAwait(false);
            }

            return;
        }

        while (!nodes.All(n => n.Host.Service.Runtime is { IsClusterMemberUp: true }) || kube.Faults.OpenWatches == 0)
        {
            await Task.Delay(Tick, limit.Token).ConfigureAwait(false);
        }
    }

    private async Task<TimeSpan> WriteAndSummarizeAsync(DemoWorkload workload, IReadOnlyList<DemoNode> nodes, Ledger ledger, CancellationToken stop)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        var last = started;
        var lastSummary = TimeSpan.Zero;
        DemoMetrics? previous = null;
        Task? leaving = null;
        var leaver = nodes[^1];
        using var ticks = new PeriodicTimer(Tick, time);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await ticks.WaitForNextTickAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var now = time.GetTimestamp();
            workload.Advance(time.GetElapsedTime(last, now));
            last = now;
            var elapsed = time.GetElapsedTime(started, now);
            if (nodes.Count > 1 && leaving is null && elapsed >= _demo.Duration / 2)
            {
                // The graceful stop of a replica (what SIGTERM does): it hands its streams over while the others go on.
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds,7:0}s   node {leaver.Number} stops gracefully (as on SIGTERM): it hands its streams over to the other {nodes.Count - 1}")).ConfigureAwait(false);
                leaving = leaver.StopAsync();
            }

            if (leaving is { IsCompleted: true } && leaver.StoppedAfter is { } took)
            {
                await leaving.ConfigureAwait(false);
                leaving = Task.CompletedTask;
                leaver.StoppedAfter = null;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds,7:0}s   node {leaver.Number} stopped after {took.TotalSeconds:0.0} s; {nodes.Count - 1} nodes follow every stream")).ConfigureAwait(false);
            }

            if (elapsed - lastSummary >= _demo.SummaryInterval)
            {
                lastSummary = elapsed;
                previous = await WriteSummaryAsync(elapsed, ledger.Count, Combined(nodes), previous).ConfigureAwait(false);
            }

            if (elapsed >= _demo.Duration)
            {
                break;
            }
        }

        if (leaving is not null)
        {
            await leaving.ConfigureAwait(false);
        }

        return time.GetElapsedTime(started);
    }

    private async Task<DemoMetrics> WriteSummaryAsync(TimeSpan elapsed, long written, DemoMetrics now, DemoMetrics? previous)
    {
        static string Seconds(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "-";
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{elapsed.TotalSeconds,7:0}s {written,10:N0} {now.LinesRead,10:N0} {now.LinesSent,10:N0} {Seconds(now.LagQuantileSince(previous, 0.5)),9} {Seconds(now.LagQuantileSince(previous, 0.99)),9} {now.PushRetries,9:N0} {now.ActiveTails,7:N0} {now.InstancesEnded,7:N0}");
        await output.WriteLineAsync(line).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
        return now;
    }

    /// <summary>Waits until everything written is in Loki (receiver) or acknowledged by it (a real Loki), within <see cref="CatchUpLimit"/>.</summary>
    private static async Task CatchUpAsync(LokiReceiver? receiver, Func<DemoMetrics> shipperMetrics, Ledger ledger)
    {
        using var limit = new CancellationTokenSource(CatchUpLimit);
        try
        {
            if (receiver is not null)
            {
                await DeliveryAudit.WaitUntilCompleteAsync(ledger, receiver, limit.Token).ConfigureAwait(false);
                return;
            }

            // A real Loki cannot be read back here: wait for the shipper to have every line acknowledged.
            while (shipperMetrics() is var metrics && metrics.LinesSent + metrics.LinesDropped < ledger.Count)
            {
                await Task.Delay(Tick, limit.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The table says what did not make it.
        }
    }

    private async Task<int> WriteAuditAsync(DeliveryReport report)
    {
        await output.WriteLineAsync("Delivery audit: every line the simulated namespace wrote, looked up in what the receiver stored").ConfigureAwait(false);
        Row("written", report.Written, "lines the containers wrote");
        Row("delivered", report.Delivered, "stored by Loki with their kubelet timestamp");
        Row("missing", report.Missing, "readable, but not in Loki");
        Row("unreadable", report.Unreadable, "rotated away or deleted with their pod before anyone could read them");
        Row("duplicates", report.VisibleDuplicates, "stored twice");
        Row("unexpected", report.Unexpected, "stored but never written (altered or re-stamped)");
        Row("out of order", report.OutOfOrder, "stored before a line written earlier in the same container");
        Row("de-duplicated", report.ResentAndDeduplicated, "re-sent with the same timestamp and dropped by Loki, as Loki does");
        RowText("latency p50", Seconds(report.LatencyP50Seconds), "from the kubelet's timestamp to stored in Loki");
        RowText("latency p99", Seconds(report.LatencyP99Seconds), "");
        await output.WriteLineAsync().ConfigureAwait(false);
        if (report.ExactlyOnce)
        {
            await output.WriteLineAsync(report.Unreadable == 0
                ? "✓ Every line written was delivered, exactly once and in order."
                : "✓ Every readable line was delivered, exactly once and in order.").ConfigureAwait(false);
            return 0;
        }

        await output.WriteLineAsync("✗ Not every line was delivered exactly once" + (report.MissingExamples.Count > 0 ? "; missing e.g. " + string.Join(", ", report.MissingExamples) : ".")).ConfigureAwait(false);
        return 1;
    }

    private async Task<int> WritePushSummaryAsync(Uri lokiUrl, long written, DemoMetrics metrics)
    {
        await output.WriteLineAsync($"Push summary: {Redacted(lokiUrl)} cannot be read back from here; this is what it acknowledged").ConfigureAwait(false);
        Row("written", written, "lines the containers wrote");
        Row("read", (long)metrics.LinesRead, "read from the simulated API server");
        Row("sent", (long)metrics.LinesSent, "acknowledged by Loki");
        Row("dropped", (long)metrics.LinesDropped, "refused by Loki or given up (actorloki_lines_dropped_total)");
        Row("push retries", (long)metrics.PushRetries, "pushes retried after 429, 5xx or a transport error");
        await output.WriteLineAsync().ConfigureAwait(false);
        if (metrics.LinesSent == written && metrics.LinesDropped == 0)
        {
            await output.WriteLineAsync($"✓ Every line written was acknowledged by Loki. Query: {{namespace=\"{DemoWorkload.Namespace}\"}}").ConfigureAwait(false);
            return 0;
        }

        await output.WriteLineAsync($"✗ {written - (long)metrics.LinesSent:N0} of {written:N0} lines were not acknowledged by Loki (see the shipper's warnings above).").ConfigureAwait(false);
        return 1;
    }

    private void Row(string name, long value, string meaning) => RowText(name, value.ToString("N0", CultureInfo.InvariantCulture), meaning);

    private void RowText(string name, string value, string meaning) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-14} {value,12}   {meaning}").TrimEnd());

    private static string Seconds(double seconds) => double.IsNaN(seconds) ? "-" : seconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    private static string Redacted(Uri url) => url.GetLeftPart(UriPartial.Path).Replace(url.UserInfo + "@", "", StringComparison.Ordinal);

    /// <summary>
    /// One node of the demo: its host, and its figures, kept as they were when it stopped (a stopped host's
    /// meters are gone, and the summary counts what it did).
    /// </summary>
    private sealed class DemoNode(int number, ShipperHost host)
    {
        private readonly Lock _gate = new();
        private DemoMetrics? _last;
        private Task? _stopping;

        public int Number { get; } = number;

        public ShipperHost Host { get; } = host;

        /// <summary>Set once the stop has completed, to how long it took; the summary clears it once it has said so.</summary>
        public TimeSpan? StoppedAfter { get; set; }

        /// <summary>Now, or as it was when the node stopped.</summary>
        public DemoMetrics Metrics() => _stopping is { IsCompleted: true } ? _last! : Keep(DemoMetrics.From(Host.Metrics.Collect()));

        /// <summary>The graceful stop (drain, hand-over, positions saved); once only.</summary>
        public Task StopAsync() => _stopping ??= StopOnceAsync();

        private async Task StopOnceAsync()
        {
            var started = TimeProvider.System.GetTimestamp();
            Keep(DemoMetrics.From(Host.Metrics.Collect()));
            await Host.StopAsync(CancellationToken.None).ConfigureAwait(false);

            // What the drain pushed counts too (the host's meters live until it is disposed).
            Keep(DemoMetrics.From(Host.Metrics.Collect()));
            StoppedAfter = TimeProvider.System.GetElapsedTime(started);
        }

        /// <summary>The newer of <paramref name="now"/> and the last figures (counters only grow; a stopping node's may vanish).</summary>
        private DemoMetrics Keep(DemoMetrics now)
        {
            lock (_gate)
            {
                if (_last is null || now.LinesSent >= _last.LinesSent)
                {
                    _last = now;
                }

                return _last;
            }
        }
    }
}
