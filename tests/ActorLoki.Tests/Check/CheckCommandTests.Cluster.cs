using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorLoki.Check;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Positions;
using ActorLoki.Simulator.Kubernetes;
using k8s.Models;

namespace ActorLoki.Tests.Check;

/// <summary>
/// `actorloki check` with clustering on: the replica pods are simulated pods at 127.0.0.1 whose container ports
/// are real sockets listening on 127.0.0.1 (or closed ones), and the process's own pod is named by POD_NAME.
/// </summary>
public sealed partial class CheckCommandTests
{
    private const string Self = "actorloki-a";
    private static readonly Dictionary<string, string> ReplicaLabels = new() { ["app.kubernetes.io/name"] = "actorloki" };
    private readonly List<TcpListener> _listeners = [];

    /// <summary>A socket listening on 127.0.0.1 (the kernel accepts connections into its backlog); its port.</summary>
    private int Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _listeners.Add(listener);
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port on 127.0.0.1 that nothing listens on (it was listened on, then closed).</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void CreateReplica(string name, int? remoting) => Kube.Cluster.CreatePod(new PodSpecification(name)
    {
        Namespace = Ns,
        Labels = ReplicaLabels,
        Containers = ["actorloki"],
        PodIp = "127.0.0.1",
        Ports = new Dictionary<string, IReadOnlyList<SimulatedContainerPort>>
        {
            ["actorloki"] = remoting is { } port ? [new("http-metrics", 8080), new("remoting", port)] : [new("http-metrics", 8080)],
        },
    });

    /// <summary>Runs check as the pod <see cref="Self"/> would, with the downward API's variables in its environment.</summary>
    private async Task<(int Exit, string Output)> ClusterCheckAsync(IReadOnlyDictionary<string, string> variables, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var kubernetes = new KubernetesEnvironment(variables, homeDirectory: _directory, serviceAccountDirectory: Path.Combine(_directory, "no-service-account"));
        var root = new RootCommand { CheckCommand.Create(output, error, () => new Dictionary<string, string>(), kubernetes) };
        string[] common =
        [
            "check", "--set", "kubernetes.mode=kubeconfig", "--set", $"kubernetes.kubeconfig={_kubeconfig}", "--loki-url", Loki.PushUrl.ToString(), "--timeout", "10s",
            "--set", "cluster.enabled=on", "--set", "cluster.shards=4",
        ];
        var exit = await root.Parse([.. common, .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, timeout.Token);
        return (exit, output.ToString());
    }

    private static Dictionary<string, string> InPod(bool withPodIp = true) => withPodIp
        ? new() { ["POD_NAME"] = Self, ["POD_NAMESPACE"] = Ns, ["POD_IP"] = "127.0.0.1" }
        : new() { ["POD_NAME"] = Self, ["POD_NAMESPACE"] = Ns };

    private void StopListeners()
    {
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task A_cluster_check_reaches_the_other_replicas_on_their_remoting_ports_and_skips_its_own_pod()
    {
        var (b, c) = (Listen(), Listen());
        CreateReplica(Self, ClosedPort());
        CreateReplica("actorloki-b", b);
        CreateReplica("actorloki-c", c);
        Kube.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = Ns });

        var (exit, output) = await ClusterCheckAsync(InPod(), "--set", $"cluster.port={b}");

        exit.Should().Be(0, output);
        output.Should().Contain($"✓ cluster address: 127.0.0.1:{b} (POD_IP)");
        output.Should().Contain($"✓ list replica pods in {Ns} (app.kubernetes.io/name=actorloki): 3 replicas Running with a pod IP and port \"remoting\" ({Self}, this one, actorloki-b, actorloki-c)");
        output.Should().Contain($"✓ reach replica actorloki-b (127.0.0.1): remoting {b}");
        output.Should().Contain($"✓ reach replica actorloki-c (127.0.0.1): remoting {c}");
        output.Should().NotContain($"reach replica {Self}").And.NotContain("✗").And.NotContain("! fewer");

        // The connections were made: each replica's socket has one waiting to be accepted.
        using var accepted = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        foreach (var listener in _listeners)
        {
            using var connection = await listener.AcceptTcpClientAsync(accepted.Token);
        }
    }

    [Fact]
    public async Task An_unreachable_replica_port_is_a_cross_that_names_the_pod_the_port_and_the_NetworkPolicy()
    {
        var closed = ClosedPort();
        CreateReplica(Self, ClosedPort());
        CreateReplica("actorloki-b", Listen());
        CreateReplica("actorloki-c", closed);

        var (exit, output) = await ClusterCheckAsync(InPod());

        exit.Should().Be(1);
        output.Should().Contain("✓ reach replica actorloki-b (127.0.0.1)");
        output.Should().Contain($"✗ reach replica actorloki-c (127.0.0.1): TCP 127.0.0.1:{closed} (remoting, port \"remoting\"): Connection refused");
        output.Should().Contain($"→ a NetworkPolicy that isolates the namespace must allow TCP {closed} (ingress and egress) between the pods labelled app.kubernetes.io/name=actorloki");
        output.Should().Contain("→ check that pod actorloki-c runs ActorLoki with actorloki.cluster.enabled = on");
    }

    [Fact]
    public async Task A_running_replica_pod_without_the_remoting_port_is_named()
    {
        CreateReplica(Self, ClosedPort());
        CreateReplica("actorloki-b", Listen());
        CreateReplica("actorloki-d", remoting: null);

        var (exit, output) = await ClusterCheckAsync(InPod());

        exit.Should().Be(1);
        output.Should().Contain("✗ replica pod actorloki-d: it matches app.kubernetes.io/name=actorloki and is Running, but none of its containers declares a port named \"remoting\"");
        output.Should().Contain("→ declare containerPort 4053 named remoting in the container");
        output.Should().Contain("2 replicas Running with a pod IP and port \"remoting\"");
    }

    [Fact]
    public async Task Fewer_replicas_than_the_contact_points_required_pass_with_a_note()
    {
        CreateReplica(Self, ClosedPort());

        var (exit, output) = await ClusterCheckAsync(InPod());

        exit.Should().Be(0, output);
        output.Should().Contain($"✓ list replica pods in {Ns} (app.kubernetes.io/name=actorloki): 1 replica Running with a pod IP and port \"remoting\" ({Self}, this one)");
        output.Should().Contain("    ! fewer than cluster.bootstrap.required-contact-points = 2: a new cluster forms only once that many replicas find each other");
    }

    [Fact]
    public async Task A_denied_replica_listing_names_verb_list_and_resource_pods_in_the_own_namespace()
    {
        // The shipper follows another namespace, so only the listing of its own replicas is denied.
        Kube.Faults.Deny("list", "pods", Ns);

        var (exit, output) = await ClusterCheckAsync(InPod(), "--set", "kubernetes.namespaces=[web]");

        exit.Should().Be(1);
        output.Should().Contain("✓ list pods in web: 0 pods");
        output.Should().Contain($"✗ list replica pods in {Ns} (app.kubernetes.io/name=actorloki): 403 Forbidden: ");
        output.Should().Contain($"→ grant verb \"list\" on resource \"pods\" (API group \"\") to {ServiceAccount} in namespace {Ns}");
        output.Should().Contain($"→ verify: kubectl auth can-i list pods -n {Ns} --as={ServiceAccount}");
    }

    [Fact]
    public async Task Without_POD_IP_or_cluster_hostname_the_address_is_a_cross_that_says_to_use_the_downward_API()
    {
        var (exit, output) = await ClusterCheckAsync(InPod(withPodIp: false));

        exit.Should().Be(1);
        output.Should().Contain("✗ cluster address: actorloki.cluster.hostname is empty and POD_IP is not set");
        output.Should().Contain("→ set POD_IP from the downward API: env POD_IP with valueFrom.fieldRef.fieldPath: status.podIP");
    }

    [Fact]
    public async Task Each_seed_node_is_connected_to_and_an_unreachable_one_is_named()
    {
        var (open, closed) = (Listen(), ClosedPort());
        string[] seeds = [$"akka.tcp://actorloki@127.0.0.1:{open}", $"akka.tcp://actorloki@127.0.0.1:{closed}"];

        var (exit, output) = await ClusterCheckAsync(InPod(), "--set", $"cluster.seed-nodes=[\"{seeds[0]}\", \"{seeds[1]}\"]", "--set", $"cluster.port={open}");

        exit.Should().Be(1);
        output.Should().Contain($"✓ reach seed node {seeds[0]}: TCP 127.0.0.1:{open} connected");
        output.Should().Contain($"✗ reach seed node {seeds[1]}: TCP 127.0.0.1:{closed} (remoting): Connection refused");
        output.Should().Contain($"→ a NetworkPolicy that isolates the namespace must allow TCP {closed} (ingress and egress) between the replicas");
        output.Should().NotContain("list replica pods");
    }

    [Fact]
    public async Task Existing_shard_ConfigMaps_are_written_back_unchanged_and_missing_ones_are_not_created()
    {
        using var client = Client();
        await client.CreateConfigMapAsync(Ns, PositionsConfigMap("actorloki-positions", Position("web-0")));
        var one = await client.CreateConfigMapAsync(Ns, PositionsConfigMap("actorloki-positions-01", Position("web-1"), Position("web-2")));
        var three = await client.CreateConfigMapAsync(Ns, PositionsConfigMap("actorloki-positions-03"));
        var requestsBefore = Kube.Faults.Requests.Count;

        var (exit, output) = await ClusterCheckAsync(InPod(), "--set", $"cluster.port={Listen()}");

        exit.Should().Be(0, output);
        output.Should().Contain($"✓ read positions ConfigMap {Ns}/actorloki-positions (single-replica, read only): 1 stream position; it seeds each shard whose ConfigMap does not exist yet");
        output.Should().Contain(
            $"✓ positions ConfigMaps {Ns}/actorloki-positions-00 … actorloki-positions-03 (4 shards): 2 exist (2 stream positions), read and written back unchanged; "
            + "2 do not exist yet: the shipper creates each when it first saves that shard, seeded from actorloki-positions (check creates none)");
        output.Should().NotContain("positions ConfigMap shop/actorloki-positions-01");

        var requests = Kube.Faults.Requests.Skip(requestsBefore).Where(r => r.PathAndQuery.Contains("/configmaps", StringComparison.Ordinal)).ToList();
        requests.Should().NotContain(r => r.Method == "POST" || r.Method == "PATCH" || r.Method == "DELETE");
        requests.Where(r => r.Method == "PUT").Select(r => r.PathAndQuery).Should().BeEquivalentTo(
            [$"/api/v1/namespaces/{Ns}/configmaps/actorloki-positions-01", $"/api/v1/namespaces/{Ns}/configmaps/actorloki-positions-03"]);
        (await client.TryGetConfigMapAsync(Ns, "actorloki-positions-00")).Should().BeNull();
        (await client.TryGetConfigMapAsync(Ns, "actorloki-positions-02")).Should().BeNull();
        (await client.GetConfigMapAsync(Ns, "actorloki-positions-01")).Data.Should().BeEquivalentTo(one.Data);
        (await client.GetConfigMapAsync(Ns, "actorloki-positions-03")).Data.Should().BeEquivalentTo(three.Data);
    }

    [Fact]
    public async Task A_shard_ConfigMap_that_may_not_be_updated_is_named_and_the_missing_ones_are_not_failures()
    {
        using var client = Client();
        await client.CreateConfigMapAsync(Ns, PositionsConfigMap("actorloki-positions-02", Position("web-1")));
        Kube.Faults.Deny("update", "configmaps");

        var (exit, output) = await ClusterCheckAsync(InPod(), "--set", $"cluster.port={Listen()}");

        exit.Should().Be(1);
        output.Should().Contain($"✗ write positions ConfigMap {Ns}/actorloki-positions-02: 403 Forbidden");
        output.Should().Contain("→ grant verb \"update\" on resource \"configmaps\"");
        output.Should().Contain($"✓ read positions ConfigMap {Ns}/actorloki-positions (single-replica, read only): does not exist");
        output.Should().Contain(
            $"✓ positions ConfigMaps {Ns}/actorloki-positions-00 … actorloki-positions-03 (4 shards, 3 of them fine): none exists yet: the shipper creates each when it first saves that shard, empty (check creates none)");
        output.Split('\n').Count(l => l.StartsWith('✗')).Should().Be(1, output);
    }

    private static SavedPosition Position(string pod) => new(
        new StreamKey(Guid.NewGuid().ToString(), "app", 0),
        Ns,
        pod,
        new StreamPosition(1_764_756_000, 1, 1_764_756_000_000_000_000, 42),
        DateTimeOffset.UnixEpoch.AddSeconds(1_764_756_000));

    private static V1ConfigMap PositionsConfigMap(string name, params SavedPosition[] positions) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
        Data = new Dictionary<string, string> { [ConfigMapPositionsStore.DataKey] = Encoding.UTF8.GetString(PositionsDocument.Serialize(positions)) },
    };
}
