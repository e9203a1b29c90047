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
internal sealed class DemoRunner(ActorLokiSettings settings, TextWriter output, TextWriter logs, bool logsToTerminal)
{
    /// <summary>How long the shipper may take to deliver what was written before the demo stops it anyway.</summary>
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly DemoSettings _demo = settings.Demo;

    /// <summary>Runs the demo; <paramref name="stop"/> (Ctrl-C) ends the writing early. 0 only when every line got through exactly once.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        await using var kube = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = DemoWorkload.Namespace }, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        var receiver = _demo.LokiUrl is null ? await LokiReceiver.StartAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false) : null;
        try
        {
            var lokiUrl = receiver?.PushUrl ?? _demo.LokiUrl!;
            var shipper = ShipperSettings(lokiUrl);
            var (loggerFactory, serilog) = ActorLokiLogging.Create(shipper.Logging, logs, logsToTerminal);
            var global = ActorLokiLogging.UseAsGlobal(serilog); // Akka.Logger.Serilog writes Akka's events there
            try
            {
                await using var host = ShipperHost.Create(
                    shipper,
                    loggerFactory,
                    options => options with
                    {
                        KubernetesConfiguration = new KubernetesClientConfiguration
                        {
                            Server = kube.BaseAddress,
                            Namespace = DemoWorkload.Namespace,
                            Credentials = KubernetesCredentials.Token(kube.Tokens.Current),
                            Source = "the demo's simulated API server",
                        },
                        PositionsStore = new MemoryPositionsStore(),
                    },
                    new ShipperHostOptions { AnyFreePort = true, HandleTerminationSignals = false });

                await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
                WriteHeader(receiver, lokiUrl, host.EndpointAddress);

                // The pods start once the shipper watches (they arrive as watch events): a worker that crashed twice
                // before anyone listed it would have lost its first run for good, as on a real cluster.
                await WaitUntilWatchingAsync(host).ConfigureAwait(false);
                var workload = new DemoWorkload(kube.Cluster, _demo);
                workload.Start();

                var elapsed = await WriteAndSummarizeAsync(workload, host, kube.Cluster.Ledger, stop).ConfigureAwait(false);
                await output.WriteLineAsync("  (read: from the API, with lines read again on a resume; lag: kubelet timestamp to Loki's acknowledgement; ended: container instances that ended)").ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Stopped writing after {elapsed.TotalSeconds:0} s; waiting for the shipper to catch up...")).ConfigureAwait(false);
                await CatchUpAsync(receiver, host, kube.Cluster.Ledger).ConfigureAwait(false);
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await output.WriteLineAsync().ConfigureAwait(false);

                var metrics = DemoMetrics.From(host.Metrics.Collect());

                return receiver is null
                    ? await WritePushSummaryAsync(lokiUrl, kube.Cluster.Ledger.Count, metrics).ConfigureAwait(false)
                    : await WriteAuditAsync(DeliveryAudit.Account(kube.Cluster.Ledger, receiver)).ConfigureAwait(false);
            }
            finally
            {
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

    /// <summary>The user's settings, pointed at the simulated namespace and kept in this process.</summary>
    private ActorLokiSettings ShipperSettings(Uri lokiUrl) => settings with
    {
        Kubernetes = settings.Kubernetes with { Namespaces = [DemoWorkload.Namespace], AllNamespaces = false },
        Selection = settings.Selection with { ExcludeSelf = false },
        Loki = settings.Loki with { Url = lokiUrl },
        Positions = settings.Positions with { Store = PositionsStoreKind.Memory },
        Http = settings.Http with { Host = "127.0.0.1" },
        // The demo's own lines are the show; the shipper speaks up only for warnings, unless asked.
        Logging = _demo.Verbose || settings.Logging.Level > ShipperLogLevel.Warning ? settings.Logging : settings.Logging with { Level = ShipperLogLevel.Warning },
    };

    private void WriteHeader(LokiReceiver? receiver, Uri lokiUrl, Uri? endpoints)
    {
        output.WriteLine($"ActorLoki demo: the real pipeline against a simulated namespace \"{DemoWorkload.Namespace}\"");
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  Pods: {_demo.Pods} web pods writing {_demo.LinesPerSecond:0.#} lines/s each (JSON access logs, text, stack traces), a worker that crashes every {_demo.CrashInterval.TotalSeconds:0.#} s, a Job every {_demo.JobInterval.TotalSeconds:0.#} s"));
        output.WriteLine(receiver is null
            ? $"  Loki: {Redacted(lokiUrl)} (query {{namespace=\"{DemoWorkload.Namespace}\"}})"
            : $"  Loki: the built-in receiver at {receiver.BaseAddress}");
        if (endpoints is not null)
        {
            output.WriteLine($"  Live: {endpoints}metrics and {endpoints}debug/streams");
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  Writing for {_demo.Duration.TotalSeconds:0.#} s (Ctrl-C stops early); {(_demo.Verbose ? $"the shipper's own log at {settings.Logging.Level}" : "the shipper's own log shows warnings only (--verbose shows more)")}"));
        output.WriteLine();
        output.WriteLine("    time    written       read       sent   lag p50   lag p99   retries   tails   ended");
        output.Flush();
    }

    private static async Task WaitUntilWatchingAsync(ShipperHost host)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (host.Service.Runtime is { } runtime && !(await runtime.GetStatusAsync(limit.Token).ConfigureAwait(false)).AllSynced)
        {
            await Task.Delay(Tick, limit.Token).ConfigureAwait(false);
        }
    }

    private async Task<TimeSpan> WriteAndSummarizeAsync(DemoWorkload workload, ShipperHost host, Ledger ledger, CancellationToken stop)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        var last = started;
        var lastSummary = TimeSpan.Zero;
        DemoMetrics? previous = null;
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
            if (elapsed - lastSummary >= _demo.SummaryInterval)
            {
                lastSummary = elapsed;
                previous = await WriteSummaryAsync(elapsed, ledger.Count, DemoMetrics.From(host.Metrics.Collect()), previous).ConfigureAwait(false);
            }

            if (elapsed >= _demo.Duration)
            {
                break;
            }
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
    private static async Task CatchUpAsync(LokiReceiver? receiver, ShipperHost host, Ledger ledger)
    {
        using var limit = new CancellationTokenSource(CatchUpLimit);
        try
        {
            if (receiver is not null)
            {
                // The count is read before the account is taken: an entry arriving in between wakes the wait.
                for (var accepted = receiver.Statistics.EntriesAccepted; !DeliveryAudit.Account(ledger, receiver).Complete; accepted = receiver.Statistics.EntriesAccepted)
                {
                    await receiver.WaitForEntriesAsync(accepted + 1, limit.Token).ConfigureAwait(false);
                }

                return;
            }

            // A real Loki cannot be read back here: wait for the shipper to have every line acknowledged.
            while (DemoMetrics.From(host.Metrics.Collect()) is var metrics && metrics.LinesSent + metrics.LinesDropped < ledger.Count)
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
}
