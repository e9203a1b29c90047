using System.Diagnostics;
using ActorLoki.Simulator.Kubernetes;
using Xunit.Abstractions;

namespace ActorLoki.Shipper.Tests.Cluster;

/// <summary>
/// Three clustered shippers in one process (real remoting on 127.0.0.1, static seeds, default cluster timings)
/// following one simulated namespace: every stream is followed by exactly one node; a node that leaves hands
/// its streams over without a missing or a duplicated line; a node that dies has its streams followed again by
/// the others.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterStreamsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Formation = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Every_stream_is_followed_by_exactly_one_node_and_delivered_once()
    {
        await using var h = await ClusterHarness.StartAsync(3, output);
        var scenario = new Scenario(h.Cluster, new ScenarioOptions { Namespace = ClusterHarness.Namespace, Pods = 6, ContainersPerPod = 2, LinesPerSecondPerContainer = 50, Seed = 3 });
        // A replica of the shipper itself (cluster.bootstrap.pod-label-selector): not followed, as its own pod is not.
        var replica = h.Cluster.CreatePod(new PodSpecification("actorloki-7d9f-x2") { Namespace = ClusterHarness.Namespace, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "actorloki" } });
        scenario.Start();
        await h.StartAllAsync(Formation);
        var streams = h.Streams().Where(s => !s.StartsWith(replica.Uid, StringComparison.Ordinal)).ToList();

        await SpreadAsync(h, scenario, streams);
        await WriteAsync(scenario, TimeSpan.FromSeconds(1));

        var holders = await h.HoldersAsync();
        holders.Keys.Should().BeEquivalentTo(streams);
        holders.Values.Should().OnlyContain(nodes => nodes.Count == 1, "a stream lives on one node");
        h.FollowedStreams().Should().Be(streams.Count, "one tail per stream over the cluster");
        var debugStreams = new List<string>();
        foreach (var node in h.Running)
        {
            debugStreams.AddRange((await node.GetStreamsAsync()).Tails.Select(t => t.Container + "@" + t.Pod));
        }

        debugStreams.Should().HaveCount(streams.Count, "each node's /debug/streams lists the tails it runs, and together they are every stream once");

        var report = await h.WaitForDeliveryAsync(TimeSpan.FromSeconds(30));
        report.ExactlyOnce.Should().BeTrue(report.ToString());
    }

    [Fact]
    public async Task Without_seed_nodes_the_replicas_form_one_cluster_through_Cluster_Bootstrap_over_their_pods()
    {
        await using var h = await ClusterHarness.StartAsync(3, output);
        h.UseBootstrap();
        var scenario = new Scenario(h.Cluster, new ScenarioOptions { Namespace = ClusterHarness.Namespace, Pods = 3, ContainersPerPod = 1, LinesPerSecondPerContainer = 20, Seed = 11 });
        scenario.Start();

        // Each node looks the replicas up through PodServiceDiscovery and joins them as seed nodes; the lowest forms the cluster.
        await h.StartAllAsync(TimeSpan.FromSeconds(60));
        var leaders = h.Running.Select(n => Akka.Cluster.Cluster.Get(n.System).State.Leader).Distinct().ToList();
        leaders.Should().ContainSingle("the three nodes are one cluster, not three").Which.Should().NotBeNull();

        var replicas = h.Cluster.Pods(ClusterHarness.Namespace).Where(p => p.Name.StartsWith("actorloki-", StringComparison.Ordinal)).Select(p => p.Uid).ToList();
        var streams = h.Streams().Where(s => !replicas.Any(uid => s.StartsWith(uid, StringComparison.Ordinal))).ToList();
        await ClusterHarness.WaitUntilAsync(() => h.FollowedStreams() == streams.Count, TimeSpan.FromSeconds(30), "every stream followed");
        await WriteAsync(scenario, TimeSpan.FromSeconds(1));
        var report = await h.WaitForDeliveryAsync(TimeSpan.FromSeconds(30));
        report.ExactlyOnce.Should().BeTrue(report.ToString());
    }

    [Fact]
    public async Task A_node_leaving_gracefully_hands_its_streams_over_with_no_line_missing_or_repeated()
    {
        await using var h = await ClusterHarness.StartAsync(3, output);
        var scenario = new Scenario(h.Cluster, new ScenarioOptions { Namespace = ClusterHarness.Namespace, Pods = 6, ContainersPerPod = 2, LinesPerSecondPerContainer = 100, Seed = 5 });
        scenario.Start();
        await h.StartAllAsync(Formation);
        var streams = h.Streams();
        await WriteAsync(scenario, TimeSpan.FromSeconds(2));
        await ClusterHarness.WaitUntilAsync(() => h.FollowedStreams() == streams.Count, TimeSpan.FromSeconds(30), "every stream followed");

        // The node holding most streams leaves (SIGTERM) while the containers keep writing.
        var holders = await h.HoldersAsync();
        var leaving = holders.Values.GroupBy(n => n[0]).OrderByDescending(g => g.Count()).First().Key;
        var moved = holders.Count(p => p.Value[0] == leaving);
        var node = h.Nodes[leaving]!;
        h.Nodes[leaving] = null;
        var stop = node.StopAsync();
        await WriteAsync(scenario, TimeSpan.FromSeconds(3));
        var report = await stop;
        await node.DisposeAsync();
        h.Log($"node {leaving} left with {moved} streams: {report}");

        await WriteAsync(scenario, TimeSpan.FromSeconds(2));
        await ClusterHarness.WaitUntilAsync(() => h.FollowedStreams() == streams.Count, TimeSpan.FromSeconds(30), "every stream followed by the two others");
        var delivery = await h.WaitForDeliveryAsync(TimeSpan.FromSeconds(30));
        moved.Should().BeGreaterThan(0);
        delivery.Missing.Should().Be(0, delivery.ToString());
        delivery.VisibleDuplicates.Should().Be(0, delivery.ToString());
        delivery.ResentAndDeduplicated.Should().Be(0, "the next owner resumes exactly after the last acknowledged line: " + delivery);
        delivery.ExactlyOnce.Should().BeTrue(delivery.ToString());
        (await h.HoldersAsync()).Values.Should().OnlyContain(n => n.Count == 1 && n[0] != leaving);
    }

    [Fact]
    public Task A_node_that_dies_has_its_streams_followed_again_by_the_others_within_30_seconds() => KillAndRecoverAsync(oldest: false, seed: 9);

    [Fact]
    public Task The_oldest_node_dying_with_both_singletons_has_its_streams_followed_again_within_30_seconds() => KillAndRecoverAsync(oldest: true, seed: 11);

    /// <summary>
    /// Kills a node (its actor system terminated without leaving): another one than the first, or the first, the
    /// oldest, which runs the stream coordinator and sharding's coordinator, both singletons that must move too.
    /// </summary>
    private async Task KillAndRecoverAsync(bool oldest, int seed)
    {
        await using var h = await ClusterHarness.StartAsync(3, output);
        var scenario = new Scenario(h.Cluster, new ScenarioOptions { Namespace = ClusterHarness.Namespace, Pods = 6, ContainersPerPod = 2, LinesPerSecondPerContainer = 50, Seed = seed });
        scenario.Start();
        await h.StartAllAsync(Formation);
        var streams = h.Streams();
        await SpreadAsync(h, scenario, streams);

        var holders = await h.HoldersAsync();
        var victim = oldest ? 0 : holders.Values.Select(n => n[0]).Where(n => n != 0).GroupBy(n => n).OrderByDescending(g => g.Count()).First().Key;
        var lost = holders.Count(p => p.Value[0] == victim);
        var node = h.Nodes[victim]!;
        h.Nodes[victim] = null;
        var clock = Stopwatch.StartNew();
        await node.AbortAsync();
        await node.DisposeAsync();

        var writing = WriteUntilAsync(scenario, () => h.FollowedStreams() == streams.Count && clock.Elapsed > TimeSpan.FromSeconds(1));
        await ClusterHarness.WaitUntilAsync(() => h.FollowedStreams() == streams.Count && writing.IsCompleted, TimeSpan.FromSeconds(60), "every stream followed again");
        var recovered = clock.Elapsed;
        h.Log($"node {victim} killed with {lost} streams; all followed again after {recovered.TotalSeconds:0.0} s");
        await WriteAsync(scenario, TimeSpan.FromSeconds(1));

        var delivery = await h.WaitForDeliveryAsync(TimeSpan.FromSeconds(30));
        delivery.Missing.Should().Be(0, delivery.ToString());
        lost.Should().BeGreaterThan(0);
        recovered.Should().BeLessThan(TimeSpan.FromSeconds(30), "every stream of a killed node is followed again within 30 s with default settings");
        (await h.HoldersAsync()).Values.Should().OnlyContain(n => n.Count == 1 && n[0] != victim);
    }

    /// <summary>
    /// The first node's shards are allocated before the others join; sharding's rebalance then hands some over to
    /// them (each a hand-over while the containers write): waits until all three follow streams.
    /// </summary>
    private static async Task SpreadAsync(ClusterHarness h, Scenario scenario, IReadOnlyList<string> streams)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(h.FollowedStreams() == streams.Count && await NodesHoldingAsync(h) == 3))
        {
            timeout.Token.ThrowIfCancellationRequested();
            await WriteAsync(scenario, TimeSpan.FromMilliseconds(200));
        }
    }

    private static async Task<int> NodesHoldingAsync(ClusterHarness h) =>
        (await h.HoldersAsync()).Values.SelectMany(n => n).Distinct().Count();

    /// <summary>Advances the scenario in real time (the containers write), for <paramref name="duration"/>.</summary>
    private static async Task WriteAsync(Scenario scenario, TimeSpan duration)
    {
        var step = TimeSpan.FromMilliseconds(100);
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += step)
        {
            scenario.Advance(step);
            await Task.Delay(step);
        }
    }

    private static async Task WriteUntilAsync(Scenario scenario, Func<bool> done)
    {
        var step = TimeSpan.FromMilliseconds(100);
        while (!done())
        {
            scenario.Advance(step);
            await Task.Delay(step);
        }
    }
}

/// <summary>The cluster tests run one at a time: each runs three actor systems with remoting.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
