using System.Diagnostics;
using System.Globalization;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Tests.Cluster;

namespace ActorLoki.Benchmarks.EndToEnd;

/// <summary>
/// <c>e2e --scenario scale-out</c> (issue #16): three <c>actorloki run</c> processes in one cluster over real
/// Akka remoting on 127.0.0.1, sharing 3,000 followed containers that write 1 line/s each. It measures each
/// node's resident memory (peak and steady) and CPU over a window, the lines/s delivered, then SIGKILLs one node
/// and measures the time until every stream it followed is followed again by the others (from the API
/// server's record of log requests), and audits every line. The nodes are not pinned: with three of them
/// and the simulator on two cores the figures are those of a crowded machine.
/// </summary>
internal static class ScaleOutBenchmark
{
    public const string Name = "scale-out";

    private const int Containers = 3000;
    private const int LineBytes = 200;

    public static async Task<E2eResult> RunAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        try
        {
            return await MeasureAsync(options, shipperDll, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // A node that crashed (or a cluster that never formed) is the result, with what the nodes said.
            Console.Error.WriteLine($"scale-out: {e.Message}");
            return new E2eResult { Scenario = Name, Containers = Containers, ShipperExited = true, Notes = $"FAILED: {e.Message.Split('\n')[0]}" };
        }
    }

    private static async Task<E2eResult> MeasureAsync(E2eOptions options, string shipperDll, CancellationToken cancellationToken)
    {
        var window = options.Window ?? options.Pick(30, 15);
        var lifetime = TimeSpan.FromMinutes(10);
        await using var world = await ScaleOutWorld.StartAsync(shipperDll, BenchEnvironment.Namespace, keepBytes: false, cancellationToken);
        var sets = options.Sets.Select(s => "actorloki." + s.Replace("=", " = ", StringComparison.Ordinal)).ToList();
        var clock = Stopwatch.StartNew();

        // The nodes form the cluster before the pods exist, so that each shard goes to the node with the fewest.
        var nodes = new List<ScaleOutNode>();
        foreach (var name in new[] { "node-a", "node-b", "node-c" })
        {
            nodes.Add(await world.StartNodeAsync(name, lifetime, sets, options.ShipperEnvironment, cancellationToken));
        }

        await ScaleOutWorld.WaitForMembershipAsync(nodes, TimeSpan.FromSeconds(60), cancellationToken);
        var scenario = world.NewScenario(new ScenarioOptions { Pods = Containers, LineBytes = LineBytes, LinesPerSecondPerContainer = 1, StackTraceProbability = 0, Seed = options.Seed });
        scenario.Start();
        var created = DateTimeOffset.UtcNow;
        var streams = world.Streams();
        LoadDriver? load = new LoadDriver(scenario);
        try
        {
            var allFollowed = await world.WaitForSingleFollowersAsync(streams, nodes, TimeSpan.FromSeconds(180), allFollow: true, cancellationToken: cancellationToken);
            var followedAfter = clock.Elapsed;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Containers:N0} streams followed by one node each {(allFollowed - created).TotalSeconds:F1} s after the pods were created: {world.DescribeFollowing(streams)}"));
            await Task.Delay(options.Pick(15, 8), cancellationToken);

            // The measured window: CPU from two samples, resident memory every second, lines from the receiver.
            var before = nodes.Select(n => n.Process.Sample()).ToList();
            var accepted0 = world.Loki.Statistics.EntriesAccepted;
            var rss = nodes.Select(_ => new List<long>()).ToList();
            var measuring = Stopwatch.StartNew();
            while (measuring.Elapsed < window)
            {
                await Task.Delay(1000, cancellationToken);
                for (var i = 0; i < nodes.Count; i++)
                {
                    rss[i].Add(nodes[i].Process.Sample().RssBytes);
                }
            }

            var seconds = measuring.Elapsed.TotalSeconds;
            var after = nodes.Select(n => n.Process.Sample()).ToList();
            var linesPerSecond = (world.Loki.Statistics.EntriesAccepted - accepted0) / seconds;
            var perNode = nodes.Select((n, i) => new NodeFigures(
                n.Name,
                world.Followers.FollowersAt().Count(p => p.Value.Contains(n.User)),
                E2eBenchmark.MiB(after[i].PeakRssBytes),
                E2eBenchmark.MiB((long)rss[i].Average()),
                (after[i].CpuSeconds - before[i].CpuSeconds) / seconds * 1000)).ToList();

            // SIGKILL the last node; the others must take every stream it followed.
            var victim = nodes[^1];
            var killedAt = await victim.KillAsync();
            var removal = ScaleOutWorld.WaitForMembershipAsync(nodes[..^1], TimeSpan.FromSeconds(120), cancellationToken);
            var refollowed = await WaitForRefollowingAsync(world, victim, killedAt, TimeSpan.FromSeconds(120), cancellationToken);
            var removedAt = await removal;
            await Task.Delay(options.Pick(10, 5), cancellationToken);
            await load.DisposeAsync();
            load = null;

            var delivered = await world.WaitForDeliveryAsync(TimeSpan.FromSeconds(options.Quick ? 60 : 120), cancellationToken);
            var report = world.Audit();
            var overlaps = world.Followers.Overlaps(after: removedAt);
            var survivors = nodes[..^1].Select(n => (n.Name, Sample: n.Process.Sample())).ToList();
            foreach (var node in nodes[..^1])
            {
                await node.Process.StopAsync(TimeSpan.FromSeconds(30));
            }

            Console.WriteLine($"## scale-out: 3 nodes, {Containers:N0} containers at 1 line/s each ({LineBytes}-byte lines); window {seconds:F0} s; the machine's {Environment.ProcessorCount} cores shared by the nodes, the simulator and the receiver");
            Console.WriteLine("| node | streams followed | peak RSS MiB | steady RSS MiB | CPU millicores |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var f in perNode)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {f.Name} | {f.Streams:N0} | {f.PeakRssMiB:F0} | {f.SteadyRssMiB:F0} | {f.Millicores:F0} |"));
            }

            var refollowText = refollowed.Longest is { } longest
                ? string.Create(CultureInfo.InvariantCulture, $"{longest.TotalSeconds:F1} s")
                : $"NOT all followed again within 120 s ({refollowed.NotFollowed.Count} of {refollowed.FollowedAgainAt.Count} not)";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"delivered {linesPerSecond:N0} lines/s in the window; all {Containers:N0} streams followed {(allFollowed - created).TotalSeconds:F1} s after the pods were created ({followedAfter.TotalSeconds:F1} s after the first node's start)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SIGKILL of {victim.Name} ({refollowed.FollowedAgainAt.Count:N0} streams) to all of them followed again: {refollowText}; removed from the membership after {(removedAt - killedAt).TotalSeconds:F1} s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"after: {string.Join(", ", survivors.Select(s => $"{s.Name} RSS {E2eBenchmark.MiB(s.Sample.RssBytes):F0} MiB (peak {E2eBenchmark.MiB(s.Sample.PeakRssBytes):F0})"))}; streams with two followers after the cluster settled: {overlaps.Count}"));
            Console.WriteLine($"audit: {report}");
            Console.WriteLine();
            if (!report.Complete || report.VisibleDuplicates > 0)
            {
                Console.Error.WriteLine(ScaleOutWorld.Output(nodes));
            }

            return new E2eResult
            {
                Scenario = Name,
                Containers = Containers,
                WindowSeconds = seconds,
                LinesWritten = report.Written,
                LinesInWindow = (long)(linesPerSecond * seconds),
                LinesPerSecond = linesPerSecond,
                ShipperCpuSeconds = perNode.Sum(f => f.Millicores) * seconds / 1000,
                PeakRssMiB = perNode.Max(f => f.PeakRssMiB),
                EndRssMiB = perNode.Max(f => f.SteadyRssMiB),
                DeliveredInTime = delivered && refollowed.Complete && overlaps.Count == 0,
                CatchUpSeconds = refollowed.Longest?.TotalSeconds,
                Notes = string.Create(CultureInfo.InvariantCulture,
                    $"3 nodes; per node (peak/steady RSS MiB, millicores): {string.Join("; ", perNode.Select(f => $"{f.Name} {f.Streams} streams {f.PeakRssMiB:F0}/{f.SteadyRssMiB:F0} MiB {f.Millicores:F0} mc"))}; SIGKILL to all streams followed again: {refollowText}; all followed {(allFollowed - created).TotalSeconds:F1} s after the pods were created"),
            }.WithAudit(report);
        }
        finally
        {
            if (load is not null)
            {
                await load.DisposeAsync();
            }
        }
    }

    private static async Task<Refollowing> WaitForRefollowingAsync(ScaleOutWorld world, ScaleOutNode victim, DateTimeOffset killedAt, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var refollowed = world.Followers.Refollowed(victim.User, killedAt);
        while (!refollowed.Complete && clock.Elapsed < timeout)
        {
            await Task.Delay(100, cancellationToken);
            refollowed = world.Followers.Refollowed(victim.User, killedAt);
        }

        return refollowed;
    }

    private sealed record NodeFigures(string Name, int Streams, double PeakRssMiB, double SteadyRssMiB, double Millicores);
}
