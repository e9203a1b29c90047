using System.Globalization;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using ActorLoki.Simulator;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using Microsoft.Extensions.Logging;
using ActorLoki.Testing;
using Xunit.Abstractions;

namespace ActorLoki.Shipper.Tests.EndToEnd;

/// <summary>
/// A simulated namespace (Kubernetes API) and a Loki-compatible receiver on 127.0.0.1, and the real
/// shipper between them. The shipper can be stopped gracefully, killed, and started again on the same
/// positions store; <see cref="Account"/> checks every line of the simulator's ledger against what the
/// receiver stored.
/// </summary>
public sealed class ShipperHarness : IAsyncDisposable
{
    public const string Namespace = "shop";

    private readonly ITestOutputHelper? _output;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _overrides;
    private readonly ILoggerFactory _loggerFactory;

    private ShipperHarness(KubernetesSimulator kube, LokiReceiver loki, IReadOnlyList<KeyValuePair<string, string>> overrides, ITestOutputHelper? output)
    {
        Kube = kube;
        Loki = loki;
        _overrides = overrides;
        _output = output;
        _loggerFactory = new XunitLoggerFactory(output);
    }

    public KubernetesSimulator Kube { get; }

    public LokiReceiver Loki { get; }

    public SimulatedCluster Cluster => Kube.Cluster;

    /// <summary>Kept across shipper restarts, as a ConfigMap or file would be.</summary>
    public MemoryPositionsStore Positions { get; } = new();

    public ShipperRuntime? Shipper { get; private set; }

    /// <summary>
    /// When set, shippers started from now on read their bearer token from this file (as from a projected
    /// service-account token) instead of being given the current token.
    /// </summary>
    public string? TokenFile { get; set; }

    /// <summary>Starts the simulator and receiver; <paramref name="overrides"/> are settings paths under <c>actorloki.</c>.</summary>
    public static async Task<ShipperHarness> StartAsync(
        ITestOutputHelper? output = null,
        IReadOnlyDictionary<string, string>? overrides = null,
        KubernetesSimulatorOptions? kube = null,
        LokiReceiverOptions? loki = null)
    {
        var simulator = await KubernetesSimulator.StartAsync((kube ?? new KubernetesSimulatorOptions()) with { Namespace = Namespace });
        var receiver = await LokiReceiver.StartAsync(loki);
        var settings = DefaultSettings(receiver.PushUrl);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return new ShipperHarness(simulator, receiver, [.. settings], output);
    }

    /// <summary>The settings (paths under <c>actorloki.</c>) the end-to-end tests run with: quick timings, memory positions.</summary>
    public static Dictionary<string, string> DefaultSettings(Uri pushUrl) => new()
    {
        ["kubernetes.namespaces"] = $"[{Namespace}]",
        ["loki.url"] = pushUrl.ToString(),
        ["loki.batch.max-wait"] = "100ms",
        ["loki.retry.min-backoff"] = "50ms",
        ["loki.retry.max-backoff"] = "500ms",
        ["loki.timeout"] = "3s",
        ["positions.store"] = "memory",
        ["positions.save-interval"] = "200ms",
        ["tail.silence-floor"] = "2s",
        ["tail.reconnect-min-backoff"] = "50ms",
        ["tail.reconnect-max-backoff"] = "500ms",
        ["kubernetes.reconnect-min-backoff"] = "50ms",
        ["kubernetes.reconnect-max-backoff"] = "500ms",
        ["shutdown.drain-deadline"] = "10s",
        ["selection.exclude-self"] = "false",
    };

    public ActorLokiSettings Settings()
    {
        var result = ActorLokiConfiguration.Load(new ConfigurationSources
        {
            CommandLine = [.. _overrides.Select(o => new KeyValuePair<string, string>("actorloki." + o.Key, o.Value))],
        });
        return result.GetSettingsOrThrow();
    }

    /// <summary>A Kubernetes client of the simulator, for tests that use the API themselves.</summary>
    public ActorLoki.Kubernetes.KubernetesClient NewKubernetesClient() => new(KubernetesConfiguration());

    private KubernetesClientConfiguration KubernetesConfiguration() => new()
    {
        Server = Kube.BaseAddress,
        Namespace = Namespace,
        Credentials = TokenFile is { } file ? KubernetesCredentials.TokenFile(file, TimeSpan.FromMinutes(1)) : KubernetesCredentials.Token(Kube.Tokens.Current),
        Source = "test",
    };

    /// <summary>Starts (or starts again) the shipper on the same positions store.</summary>
    public ShipperRuntime StartShipper(ActorLoki.Shipper.Discovery.SelfPod? self = null)
    {
        if (Shipper is not null)
        {
            throw new InvalidOperationException("The shipper is already running.");
        }

        Shipper = ShipperRuntime.Start(new ShipperRuntimeOptions
        {
            Settings = Settings(),
            LoggerFactory = _loggerFactory,
            KubernetesConfiguration = KubernetesConfiguration(),
            PositionsStore = Positions,
            SelfPod = self,
        });
        return Shipper;
    }

    /// <summary>Starts the shipper and waits until it has listed the pods (its tails exist from then on).</summary>
    public async Task<ShipperRuntime> StartShipperAsync(TimeSpan? timeout = null)
    {
        var shipper = StartShipper();
        await WaitUntilSyncedAsync(timeout);
        return shipper;
    }

    public async Task WaitUntilSyncedAsync(TimeSpan? timeout = null)
    {
        var shipper = Shipper ?? throw new InvalidOperationException("The shipper is not running.");
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (!(await shipper.GetStatusAsync(cancel.Token)).AllSynced)
        {
            await Task.Delay(20, cancel.Token);
        }
    }

    /// <summary>SIGTERM: drain, save positions, stop.</summary>
    public async Task<ShipperGuardian.ShutdownReport?> StopShipperAsync()
    {
        var shipper = Shipper ?? throw new InvalidOperationException("The shipper is not running.");
        Shipper = null;
        var report = await shipper.StopAsync();
        await shipper.DisposeAsync();
        return report;
    }

    /// <summary>SIGKILL: nothing drained, positions only as last saved.</summary>
    public async Task KillShipperAsync()
    {
        var shipper = Shipper ?? throw new InvalidOperationException("The shipper is not running.");
        Shipper = null;
        await shipper.AbortAsync();
        await shipper.DisposeAsync();
    }

    /// <summary>Waits until the receiver holds every readable line of the ledger, or the timeout passes.</summary>
    public async Task<DeliveryReport> WaitForDeliveryAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await DoneAsync(await DeliveryAudit.WaitUntilCompleteAsync(Cluster.Ledger, Loki, cancel.Token));
    }

    private async Task<DeliveryReport> DoneAsync(DeliveryReport report)
    {
        _output?.WriteLine(report.ToString());
        if (!report.Complete)
        {
            await DiagnoseAsync();
        }

        return report;
    }

    /// <summary>For a failing test: per stream with missing lines, what arrived last, what is missing first, and what its tail says.</summary>
    private async Task DiagnoseAsync()
    {
        if (_output is null)
        {
            return;
        }

        var delivered = Loki.Streams()
            .SelectMany(s => s.Entries.Select(e => (Pod: s.LabelValues.GetValueOrDefault("pod"), Container: s.LabelValues.GetValueOrDefault("container"), e.TimestampUnixNanos, e.Line)))
            .ToHashSet();
        foreach (var stream in Cluster.Ledger.Lines().GroupBy(l => l.Stream))
        {
            var lines = stream.ToList();
            var missing = lines.Where(l => l.State == LedgerLineState.Served && !delivered.Contains((l.Stream.Pod, l.Stream.Container, l.Timestamp, l.Text))).ToList();
            if (missing.Count == 0)
            {
                continue;
            }

            var lastDelivered = lines.LastOrDefault(l => delivered.Contains((l.Stream.Pod, l.Stream.Container, l.Timestamp, l.Text)));
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {stream.Key.Pod}/{stream.Key.Container}#{stream.Key.Instance}: {lines.Count} lines, {missing.Count} missing from seq {missing[0].Sequence} (ts {missing[0].Timestamp}); last delivered seq {lastDelivered.Sequence} (ts {lastDelivered.Timestamp}); last line ts {lines[^1].Timestamp}"));
        }

        if (Shipper is not null)
        {
            foreach (var tail in (await Shipper.GetStreamsAsync()).Tails)
            {
                _output.WriteLine($"  tail {tail}");

                // What the API returns now for the tail's position, read without following.
                await using var reader = await Shipper.Kubernetes.OpenLogStreamAsync(tail.Namespace, tail.Pod, new Kubernetes.Logs.LogOptions { Container = tail.Container, SinceTime = tail.Position.SinceTime });
                long count = 0, last = 0;
                while (await reader.ReadChunkAsync() is { } chunk)
                {
                    count += chunk.Count;
                    last = chunk.Count > 0 ? chunk.Lines[^1].Timestamp : last;
                    chunk.Dispose();
                }

                _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    the API returns {count} lines since {tail.Position.SinceSecond}, the last stamped {last}"));
                await using var all = await Shipper.Kubernetes.OpenLogStreamAsync(tail.Namespace, tail.Pod, new Kubernetes.Logs.LogOptions { Container = tail.Container });
                long total = 0;
                while (await all.ReadChunkAsync() is { } chunk)
                {
                    total += chunk.Count;
                    chunk.Dispose();
                }

                var ledger = Cluster.Ledger.Lines().Where(l => l.Stream.Pod == tail.Pod && l.Stream.Container == tail.Container && l.Stream.Instance == tail.Instance).ToList();
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    the API has {total} lines in all; the ledger {ledger.Count}, the last stamped {ledger[^1].Timestamp} seq {ledger[^1].Sequence}"));
            }

            _output.WriteLine($"  batcher {(await Shipper.GetStatusAsync()).Batcher}");
            _output.WriteLine($"  receiver: requests by status {string.Join(", ", Loki.Statistics.RequestsByStatus.Select(p => $"{p.Key}={p.Value}"))}; rejected {string.Join(", ", Loki.Statistics.RejectedByReason.Select(p => $"{p.Key}={p.Value}"))}");
            _output.WriteLine($"  loki client: {Shipper.Loki.Statistics}");
            _output.WriteLine($"  receiver totals: {Loki.Statistics}");
            foreach (var stream in Loki.Streams())
            {
                var tail = stream.Entries.TakeLast(3).Select(e => $"{e.TimestampUnixNanos} {e.Line[..Math.Min(30, e.Line.Length)]}");
                _output.WriteLine($"  receiver {stream.Labels}: {stream.Entries.Count} entries, last: {string.Join(" | ", tail)}");
            }
        }
    }

    /// <summary>Checks every ledger line against the receiver: missing, duplicated, out of order, unexpected.</summary>
    public DeliveryReport Account() => DeliveryAudit.Account(Cluster.Ledger, Loki);

    public async ValueTask DisposeAsync()
    {
        if (Shipper is not null)
        {
            await Shipper.AbortAsync();
            await Shipper.DisposeAsync();
        }

        await Loki.DisposeAsync();
        await Kube.DisposeAsync();
        _loggerFactory.Dispose();
    }
}
