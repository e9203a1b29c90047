using System.Diagnostics;
using System.Globalization;
using ActorLoki.Simulator.Kubernetes;
using Xunit.Abstractions;

namespace ActorLoki.Tests.Cluster;

/// <summary>
/// Issue #16's proof: separate <c>actorloki run</c> processes on 127.0.0.1 forming one cluster over real Akka
/// remoting against the simulated namespace, under steady load while a node joins, leaves on SIGTERM, or is
/// killed with SIGKILL. Every line is audited against the simulator's ledger, and the API server's record of
/// log requests (by each node's own token) shows who followed each stream when.
/// </summary>
public sealed class ScaleOutProcessTests(ITestOutputHelper output)
{
    private const int Containers = 40;

    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Forming = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task A_node_joining_under_load_takes_a_share_of_the_streams_without_a_line_missing_or_twice()
    {
        var clock = Stopwatch.StartNew();
        await using var world = await StartWorldAsync();
        var (load, streams) = StartLoad(world);
        await using (load)
        {
            var a = await world.StartNodeAsync("node-a", Lifetime);
            var b = await world.StartNodeAsync("node-b", Lifetime);
            await ScaleOutWorld.WaitForMembershipAsync([a, b], Forming);
            await world.WaitForSingleFollowersAsync(streams, [a, b], Forming);
            Log($"two nodes follow every stream after {clock.Elapsed.TotalSeconds:F1} s: {world.DescribeFollowing(streams)}");

            var c = await world.StartNodeAsync("node-c", Lifetime);
            var joined = DateTimeOffset.UtcNow;
            var stable = await ScaleOutWorld.WaitForMembershipAsync([a, b, c], Forming);
            Log($"node-c is Up on every node {(stable - joined).TotalSeconds:F1} s after its start");
            var balanced = await world.WaitForSingleFollowersAsync(streams, [a, b, c], TimeSpan.FromSeconds(60), allFollow: true);
            Log($"node-c follows a share {(balanced - joined).TotalSeconds:F1} s after its start: {world.DescribeFollowing(streams)}");

            await RunOnAsync(TimeSpan.FromSeconds(3));
            await AssertOneFollowerEachAsync(world, streams, [a, b, c], stable);
        }

        await AssertDeliveredExactlyOnceAsync(world);
        Log($"wall time {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_node_leaving_on_SIGTERM_hands_its_streams_over_without_a_line_missing_or_twice()
    {
        var clock = Stopwatch.StartNew();
        await using var world = await StartWorldAsync();
        var (a, b, c) = await StartThreeAsync(world);
        var (load, streams) = StartLoad(world);
        await using (load)
        {
            await WaitForThreeToShareAsync(world, streams, clock);

            var leftAt = DateTimeOffset.UtcNow;
            await c.Process.StopAsync(TimeSpan.FromSeconds(40));
            var exited = DateTimeOffset.UtcNow;
            c.Process.ExitCode.Should().Be(0, "SIGTERM is a graceful stop:\n" + c.Process.RecentOutput);
            Log($"node-c exited {(exited - leftAt).TotalSeconds:F1} s after SIGTERM");

            var stable = await ScaleOutWorld.WaitForMembershipAsync([a, b], Forming);
            await world.WaitForSingleFollowersAsync(streams, [a, b], TimeSpan.FromSeconds(30));
            AssertFollowedAgain(world, c, leftAt, "SIGTERM");
            world.Followers.Overlaps(after: leftAt).Should().BeEmpty("a graceful hand-over releases a stream before another node takes it");

            await RunOnAsync(TimeSpan.FromSeconds(3));
            await AssertOneFollowerEachAsync(world, streams, [a, b], stable);
        }

        await AssertDeliveredExactlyOnceAsync(world);
        Log($"wall time {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_node_killed_with_SIGKILL_has_every_stream_followed_again_within_30_s_without_a_line_missing_or_twice()
    {
        var clock = Stopwatch.StartNew();
        await using var world = await StartWorldAsync();
        var (a, b, c) = await StartThreeAsync(world);
        var (load, streams) = StartLoad(world);
        await using (load)
        {
            await WaitForThreeToShareAsync(world, streams, clock);

            var killedAt = await c.KillAsync();
            var stable = await ScaleOutWorld.WaitForMembershipAsync([a, b], Forming);
            Log($"node-c removed from the cluster {(stable - killedAt).TotalSeconds:F1} s after SIGKILL");
            await world.WaitForSingleFollowersAsync(streams, [a, b], TimeSpan.FromSeconds(40));
            var taken = AssertFollowedAgain(world, c, killedAt, "SIGKILL");
            taken.Longest.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(30), "with default settings a lost node's streams are followed again within 30 s");

            await RunOnAsync(TimeSpan.FromSeconds(3));
            await AssertOneFollowerEachAsync(world, streams, [a, b], stable);
        }

        await AssertDeliveredExactlyOnceAsync(world);
        Log($"wall time {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<ScaleOutWorld> StartWorldAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "actorloki.dll");
        File.Exists(dll).Should().BeTrue("the test runs the actorloki.dll built beside it");
        return await ScaleOutWorld.StartAsync(dll);
    }

    /// <summary>40 single-container pods writing 4 lines/s each (160 lines/s), driven on a thread of their own.</summary>
    private static (LoadDriver Load, IReadOnlyList<FollowedStream> Streams) StartLoad(ScaleOutWorld world)
    {
        var scenario = world.NewScenario(new ScenarioOptions { Pods = Containers, LinesPerSecondPerContainer = 4, LineBytes = 150, StackTraceProbability = 0 });
        scenario.Start();
        var streams = world.Streams();
        streams.Should().HaveCount(Containers);
        return (new LoadDriver(scenario), streams);
    }

    /// <summary>
    /// Three nodes, Up before the pods exist: each shard is then allocated to the node with the fewest, so the
    /// streams are spread from the start (a joining node instead gets its share through sharding's rebalance).
    /// </summary>
    private static async Task<(ScaleOutNode A, ScaleOutNode B, ScaleOutNode C)> StartThreeAsync(ScaleOutWorld world)
    {
        var a = await world.StartNodeAsync("node-a", Lifetime);
        var b = await world.StartNodeAsync("node-b", Lifetime);
        var c = await world.StartNodeAsync("node-c", Lifetime);
        await ScaleOutWorld.WaitForMembershipAsync([a, b, c], Forming);
        return (a, b, c);
    }

    private async Task WaitForThreeToShareAsync(ScaleOutWorld world, IReadOnlyList<FollowedStream> streams, Stopwatch clock)
    {
        await world.WaitForSingleFollowersAsync(streams, world.Running, TimeSpan.FromSeconds(40), allFollow: true);
        Log($"three nodes share the streams after {clock.Elapsed.TotalSeconds:F1} s: {world.DescribeFollowing(streams)}");
        await RunOnAsync(TimeSpan.FromSeconds(2));
    }

    /// <summary>The load goes on for <paramref name="time"/> with the cluster as it is.</summary>
    private static Task RunOnAsync(TimeSpan time) => Task.Delay(time);

    /// <summary>Every stream <paramref name="lost"/> followed at <paramref name="at"/> is followed again by another node; prints how soon.</summary>
    private Refollowing AssertFollowedAgain(ScaleOutWorld world, ScaleOutNode lost, DateTimeOffset at, string signal)
    {
        var taken = world.Followers.Refollowed(lost.User, at);
        taken.FollowedAgainAt.Should().NotBeEmpty($"{lost.Name} followed streams when it got {signal}");
        taken.Complete.Should().BeTrue($"every stream of {lost.Name} is followed again; not: {string.Join(", ", taken.NotFollowed)}");
        Log(string.Create(CultureInfo.InvariantCulture, $"{lost.Name}'s {taken.FollowedAgainAt.Count} streams followed again by the others within {taken.Longest!.Value.TotalSeconds:F1} s of {signal}"));
        return taken;
    }

    /// <summary>From <paramref name="stable"/> on, no two nodes followed one stream at once, and each stream has exactly one follower now.</summary>
    private async Task AssertOneFollowerEachAsync(ScaleOutWorld world, IReadOnlyList<FollowedStream> streams, IReadOnlyList<ScaleOutNode> nodes, DateTimeOffset stable)
    {
        var before = world.Followers.Overlaps().Where(o => o.To is { } to && to <= stable).ToList();
        if (before.Count > 0)
        {
            Log($"before the cluster was stable, {before.Count} streams had two followers for a while (longest {before.Max(o => (o.To!.Value - o.From).TotalSeconds):F2} s)");
        }

        world.Followers.Overlaps(after: stable).Should().BeEmpty("once the cluster is stable each stream is followed by one node at a time");

        // A rebalance may be moving a shard right now: its streams are followed again once it is handed over.
        await world.WaitForSingleFollowersAsync(streams, nodes, TimeSpan.FromSeconds(20));
        world.Followers.Overlaps(after: stable).Should().BeEmpty("once the cluster is stable each stream is followed by one node at a time");
        world.Nodes.Where(n => !n.Process.HasExited).Should().HaveCount(nodes.Count, ScaleOutWorld.Output(world.Nodes));
    }

    private async Task AssertDeliveredExactlyOnceAsync(ScaleOutWorld world)
    {
        var delivered = await world.WaitForDeliveryAsync(TimeSpan.FromSeconds(30));
        var report = world.Audit();
        Log($"audit: {report}");
        delivered.Should().BeTrue($"every line arrives: {report}\n{ScaleOutWorld.Output(world.Nodes)}");
        report.Missing.Should().Be(0);
        report.VisibleDuplicates.Should().Be(0, ScaleOutWorld.Output(world.Nodes));
        report.Unexpected.Should().Be(0);
        report.Written.Should().BeGreaterThan(Containers * 4 * 5, "the load ran throughout (at least 5 s of it)");
    }

    private void Log(string line) => output.WriteLine(line);
}
