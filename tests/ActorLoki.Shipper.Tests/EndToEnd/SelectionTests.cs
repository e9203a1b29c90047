using ActorLoki.Shipper.Discovery;
using ActorLoki.Shipper.Positions;
using ActorLoki.Simulator.Kubernetes;
using Xunit.Abstractions;

namespace ActorLoki.Shipper.Tests.EndToEnd;

/// <summary>Which pods and containers are followed, and the labels their lines carry.</summary>
public sealed class SelectionTests(ITestOutputHelper output)
{
    private const string Ns = ShipperHarness.Namespace;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static void Write(ShipperHarness h, string pod, string container, int lines)
    {
        for (var i = 0; i < lines; i++)
        {
            h.Cluster.WriteLog(Ns, pod, container, $"{pod} {container} line {i}");
        }
    }

    private static IReadOnlyList<string> PodsReceived(ShipperHarness h) => [.. h.Loki.Streams().Select(s => s.LabelValues["pod"]).Distinct().Order()];

    [Fact]
    public async Task Excluded_pods_and_containers_are_not_followed_and_init_containers_are()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string>
        {
            ["selection.exclude-pods"] = "[\"batch-*\"]",
            ["selection.exclude-containers"] = "[istio-proxy]",
        });
        h.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = Ns, Containers = ["app", "istio-proxy"] });
        h.Cluster.CreatePod(new PodSpecification("quiet-0") { Namespace = Ns, Annotations = new Dictionary<string, string> { ["actorloki.io/exclude"] = "true" } });
        h.Cluster.CreatePod(new PodSpecification("batch-7") { Namespace = Ns });
        h.Cluster.CreatePod(new PodSpecification("migrate-0") { Namespace = Ns, InitContainers = ["schema"], Containers = ["app"], Start = false });
        await h.StartShipperAsync();

        h.Cluster.StartPod(Ns, "migrate-0");
        Write(h, "migrate-0", "schema", 10);
        h.Cluster.CompleteInitContainer(Ns, "migrate-0", "schema");
        Write(h, "migrate-0", "app", 10);
        Write(h, "web-0", "app", 10);
        Write(h, "web-0", "istio-proxy", 10);
        Write(h, "quiet-0", "app", 10);
        Write(h, "batch-7", "app", 10);

        await h.Loki.WaitForEntriesAsync(30).WaitAsync(Timeout);
        await Task.Delay(500); // nothing else arrives

        var streams = h.Loki.Streams().Select(s => $"{s.LabelValues["pod"]}/{s.LabelValues["container"]}").Order().ToList();
        streams.Should().Equal("migrate-0/app", "migrate-0/schema", "web-0/app");
        h.Loki.Statistics.EntriesAccepted.Should().Be(30);
    }

    [Fact]
    public async Task The_shippers_own_pod_is_excluded_by_default()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string> { ["selection.exclude-self"] = "true" });
        h.Cluster.CreatePod(new PodSpecification("actorloki-5d9f") { Namespace = Ns });
        h.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = Ns });
        h.StartShipper(new SelfPod(Ns, "actorloki-5d9f"));
        await h.WaitUntilSyncedAsync();

        Write(h, "actorloki-5d9f", "app", 5);
        Write(h, "web-0", "app", 5);

        await h.Loki.WaitForEntriesAsync(5).WaitAsync(Timeout);
        await Task.Delay(500);
        PodsReceived(h).Should().Equal("web-0");
    }

    [Fact]
    public async Task Pod_name_and_uid_can_travel_as_structured_metadata_with_mapped_and_static_labels()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string>
        {
            ["labels.pod-as-structured-metadata"] = "true",
            ["labels.static"] = "{ env = prod }",
            ["labels.from-pod-labels"] = "{ team = \"example.com/team\" }",
            ["cluster-name"] = "eks-prod",
        });
        var a = h.Cluster.CreatePod(new PodSpecification("api-1") { Namespace = Ns, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "api", ["example.com/team"] = "payments" } });
        h.Cluster.CreatePod(new PodSpecification("api-2") { Namespace = Ns, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "api", ["example.com/team"] = "payments" } });
        await h.StartShipperAsync();

        Write(h, "api-1", "app", 3);
        Write(h, "api-2", "app", 3);
        await h.Loki.WaitForEntriesAsync(6).WaitAsync(Timeout);

        var stream = h.Loki.Streams().Single(); // one stream for both pods: the pod is not a label
        stream.LabelValues.Should().Contain(new Dictionary<string, string>
        {
            ["namespace"] = Ns, ["container"] = "app", ["app"] = "api", ["job"] = $"{Ns}/api",
            ["cluster"] = "eks-prod", ["env"] = "prod", ["team"] = "payments",
        });
        stream.LabelValues.Should().NotContainKey("pod");
        var metadata = stream.Entries.First(e => e.Line.StartsWith("api-1", StringComparison.Ordinal)).StructuredMetadata;
        metadata.Should().Contain(new KeyValuePair<string, string>("pod", "api-1")).And.Contain(new KeyValuePair<string, string>("pod_uid", a.Uid));
    }

    [Fact]
    public async Task Cluster_wide_mode_follows_every_namespace()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string> { ["kubernetes.all-namespaces"] = "true" });
        h.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = "team-a" });
        h.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = "team-b" });
        await h.StartShipperAsync();

        h.Cluster.WriteLog("team-a", "web-0", "app", "hello from a");
        h.Cluster.WriteLog("team-b", "web-0", "app", "hello from b");

        await h.Loki.WaitForEntriesAsync(2).WaitAsync(Timeout);
        h.Loki.Streams().Select(s => s.LabelValues["namespace"]).Order().Should().Equal("team-a", "team-b");
    }

    [Fact]
    public async Task The_ConfigMap_store_saves_and_loads_positions_through_the_API_and_survives_a_conflict()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        using var client = h.NewKubernetesClient();
        var store = new ConfigMapPositionsStore(client, Ns, "actorloki-positions");
        var other = new ConfigMapPositionsStore(client, Ns, "actorloki-positions");
        var now = DateTimeOffset.UtcNow;
        SavedPosition Position(string uid, long skip) => new(new StreamKey(uid, "app", 0), Ns, "pod-" + uid, new StreamPosition(1_772_000_000, skip, 1_772_000_000_000_000_001, 7), now);

        (await store.LoadAsync(CancellationToken.None)).Should().BeEmpty();
        await store.SaveAsync([Position("a", 1)], CancellationToken.None);
        (await other.LoadAsync(CancellationToken.None)).Should().ContainSingle();

        // `other` writes in between: `store`'s next update conflicts, re-reads and merges.
        await other.SaveAsync([Position("a", 1), Position("b", 5)], CancellationToken.None);
        await store.SaveAsync([Position("a", 9)], CancellationToken.None);

        var saved = await new ConfigMapPositionsStore(client, Ns, "actorloki-positions").LoadAsync(CancellationToken.None);
        saved.Should().BeEquivalentTo([Position("a", 9), Position("b", 5)]);
        h.Kube.Faults.Requests.Should().Contain(r => r.Method == "PUT" && r.StatusCode == 409);
    }
}
