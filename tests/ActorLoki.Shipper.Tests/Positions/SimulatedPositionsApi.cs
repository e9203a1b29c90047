using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Cluster;
using ActorLoki.Shipper.Positions;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Shipper.Tests.Positions;

/// <summary>The simulated API server on 127.0.0.1 holding the positions ConfigMaps, and a client of it.</summary>
internal sealed class SimulatedPositionsApi : IAsyncDisposable
{
    public const string Namespace = "dev1";
    public const string BaseName = "actorloki-positions";
    public const int Shards = 32;

    private SimulatedPositionsApi(KubernetesSimulator simulator, KubernetesClient client)
    {
        Simulator = simulator;
        Client = client;
    }

    public KubernetesSimulator Simulator { get; }

    public KubernetesClient Client { get; }

    public ShardedConfigMapPositionsStore Store => new(Client, Namespace, BaseName, Shards);

    public static async Task<SimulatedPositionsApi> StartAsync(int port = 0)
    {
        var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = Namespace, Port = port });
        return new SimulatedPositionsApi(simulator, ClientOf(simulator.BaseAddress, simulator.Tokens.Current));
    }

    public static KubernetesClient ClientOf(Uri server, string token) => new(new KubernetesClientConfiguration
    {
        Server = server,
        Namespace = Namespace,
        Credentials = KubernetesCredentials.Token(token),
    });

    /// <summary>Requests to exactly this ConfigMap (not to others whose name starts the same).</summary>
    public IReadOnlyList<RecordedRequest> RequestsTo(string configMap, string? method = null) =>
        [.. Simulator.Faults.Requests.Where(r => r.PathAndQuery.Split('?')[0].EndsWith("/configmaps/" + configMap, StringComparison.Ordinal) && (method is null || r.Method == method))];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Simulator.DisposeAsync();
    }

    /// <summary>Pod UIDs (36 characters, like the API server's) whose <paramref name="container"/> falls in <paramref name="shard"/>.</summary>
    public static IEnumerable<string> UidsInShard(int shard, string container = "app", int shards = Shards) =>
        Enumerable.Range(0, int.MaxValue)
            .Select(i => new Guid(i, 0x5a1e, 0x4c0d, [0x9e, 0x1f, (byte)shard, 0x42, 0x77, 0x10, 0x3b, 0x8d]).ToString())
            .Where(uid => StreamShards.ShardOf(uid, container, shards) == shard);

    public static SavedPosition Position(string uid, string container, int instance, long skip, DateTimeOffset at) =>
        new(new StreamKey(uid, container, instance), Namespace, "web-" + uid[..8], new StreamPosition(1_772_359_200 + skip, skip, 1_772_359_200_000_000_001 + skip, 0xfeedfaceUL + (ulong)skip), at, null, "containerd://" + uid.Replace("-", "", StringComparison.Ordinal));
}
