using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Cluster;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using ActorLoki.Simulator;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using ActorLoki.Testing;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ActorLoki.Shipper.Tests.Cluster;

/// <summary>
/// Several clustered shippers in one test process: separate actor systems with real Akka remoting on 127.0.0.1,
/// joined through static seed nodes (the first node), following one simulated namespace and pushing to one
/// Loki-compatible receiver, with one shared in-memory positions store (as the replicas of a deployment share
/// the positions ConfigMaps).
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    public const string Namespace = "shop";

    private readonly ITestOutputHelper? _output;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IReadOnlyDictionary<string, string> _overrides;
    private readonly int[] _ports;
    private bool _bootstrap;

    private ClusterHarness(KubernetesSimulator kube, LokiReceiver loki, int nodes, IReadOnlyDictionary<string, string> overrides, ITestOutputHelper? output)
    {
        Kube = kube;
        Loki = loki;
        _overrides = overrides;
        _output = output;
        _loggerFactory = new XunitLoggerFactory(output);
        _ports = [.. Enumerable.Range(0, nodes).Select(_ => FreePort())];
        Nodes = new ShipperRuntime?[nodes];
    }

    public KubernetesSimulator Kube { get; }

    public LokiReceiver Loki { get; }

    public SimulatedCluster Cluster => Kube.Cluster;

    public MemoryShardedPositionsStore Positions { get; } = new(32);

    public ShipperRuntime?[] Nodes { get; }

    public IEnumerable<ShipperRuntime> Running => Nodes.OfType<ShipperRuntime>();

    public static async Task<ClusterHarness> StartAsync(int nodes, ITestOutputHelper? output = null, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = Namespace });
        var receiver = await LokiReceiver.StartAsync();
        return new ClusterHarness(simulator, receiver, nodes, overrides ?? new Dictionary<string, string>(), output);
    }

    /// <summary>
    /// Cluster Bootstrap instead of seed nodes, as the scale-out overlay deploys: each node gets a pod of its own in
    /// the simulated namespace (the replicas' label, pod IP 127.0.0.1, its remoting port as the container port named
    /// "remoting"), and the nodes find each other by listing those pods (<c>SeedNodeDiscovery</c>).
    /// </summary>
    public void UseBootstrap()
    {
        _bootstrap = true;
        for (var node = 0; node < Nodes.Length; node++)
        {
            Cluster.CreatePod(new PodSpecification($"actorloki-{node}")
            {
                Namespace = Namespace,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "actorloki" },
                Containers = ["actorloki"],
                PodIp = "127.0.0.1",
                Ports = new Dictionary<string, IReadOnlyList<SimulatedContainerPort>>
                {
                    ["actorloki"] = [new("http-metrics", 8080), new("remoting", _ports[node])],
                },
            });
        }
    }

    public ActorLokiSettings Settings(int node)
    {
        var settings = EndToEnd.ShipperHarness.DefaultSettings(Loki.PushUrl);
        settings["kubernetes.namespaces"] = $"[{Namespace}]";
        settings["shutdown.drain-deadline"] = "20s";
        // As deployed: the shipper's own replicas (cluster.bootstrap.pod-label-selector) are not followed.
        settings["selection.exclude-self"] = "true";
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["cluster.enabled"] = "on",
            ["cluster.hostname"] = "127.0.0.1",
            ["cluster.port"] = _ports[node].ToString(CultureInfo.InvariantCulture),
            ["cluster.seed-nodes"] = $"[\"akka.tcp://actorloki@127.0.0.1:{_ports[0].ToString(CultureInfo.InvariantCulture)}\"]",
        }.Concat(_overrides))
        {
            settings[key] = value;
        }

        if (_bootstrap)
        {
            settings["cluster.seed-nodes"] = "[]";
            settings["cluster.bootstrap.required-contact-points"] = Nodes.Length.ToString(CultureInfo.InvariantCulture);
        }

        return ActorLokiConfiguration.Load(new ConfigurationSources
        {
            // Keys under akka. go as they are (Akka's own settings); the others are under actorloki.
            CommandLine = [.. settings.Select(o => new KeyValuePair<string, string>(o.Key.StartsWith("akka.", StringComparison.Ordinal) ? o.Key : "actorloki." + o.Key, o.Value))],
        }).GetSettingsOrThrow();
    }

    public ShipperRuntime StartNode(int node)
    {
        var runtime = ShipperRuntime.Start(new ShipperRuntimeOptions
        {
            Settings = Settings(node),
            LoggerFactory = _loggerFactory,
            KubernetesConfiguration = new KubernetesClientConfiguration
            {
                Server = Kube.BaseAddress,
                Namespace = Namespace,
                Credentials = KubernetesCredentials.Token(Kube.Tokens.Current),
                Source = "test",
            },
            ShardedPositionsStore = Positions,
            // The replicas run in the namespace they follow, as the scale-out overlay deploys them.
            Environment = new KubernetesEnvironment(new Dictionary<string, string> { ["POD_NAMESPACE"] = Namespace }),
        });
        Nodes[node] = runtime;
        return runtime;
    }

    /// <summary>Starts every node and waits until each sees all of them Up.</summary>
    public async Task StartAllAsync(TimeSpan timeout)
    {
        for (var i = 0; i < Nodes.Length; i++)
        {
            StartNode(i);
        }

        await WaitUntilAsync(() => Running.All(n => n.IsClusterMemberUp && UpMembers(n) == Nodes.Length), timeout, "every node up");
    }

    private static int UpMembers(ShipperRuntime node) =>
        Akka.Cluster.Cluster.Get(node.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    /// <summary>For each stream (entity id), the nodes whose shard region holds its entity.</summary>
    public async Task<Dictionary<string, List<int>>> HoldersAsync()
    {
        var holders = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < Nodes.Length; i++)
        {
            if (Nodes[i] is not { } node)
            {
                continue;
            }

            var status = await node.GetClusterStatusAsync();
            foreach (var entity in status!.Shards.SelectMany(s => s.Entities))
            {
                if (!holders.TryGetValue(entity, out var list))
                {
                    holders[entity] = list = [];
                }

                list.Add(i);
            }
        }

        return holders;
    }

    /// <summary>Running tails over all nodes (stream entities that follow their stream).</summary>
    public long FollowedStreams() => Running.Sum(n => n.Components.ClusterMetrics!.Entities);

    /// <summary>The entity ids (podUid/container) of the containers of the simulated namespace's pods.</summary>
    public IReadOnlyList<string> Streams() =>
        [.. Cluster.Pods(Namespace).SelectMany(p => p.Containers.Select(c => StreamShards.EntityId(p.Uid, c)))];

    public DeliveryReport Account() => DeliveryAudit.Account(Cluster.Ledger, Loki);

    /// <summary>Waits until the receiver holds every readable line of the ledger, or the timeout passes.</summary>
    public async Task<DeliveryReport> WaitForDeliveryAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var report = await DeliveryAudit.WaitUntilCompleteAsync(Cluster.Ledger, Loki, cancel.Token);
        _output?.WriteLine(report.ToString());
        return report;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!condition())
        {
            try
            {
                await Task.Delay(50, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"not reached within {timeout}: {what}");
            }
        }
    }

    public void Log(string line) => _output?.WriteLine(line);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Running)
        {
            await node.AbortAsync();
            await node.DisposeAsync();
        }

        await Loki.DisposeAsync();
        await Kube.DisposeAsync();
        _loggerFactory.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
