using Akka.Actor;
using ActorLoki.Simulator;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using Xunit.Abstractions;
using static ActorLoki.Shipper.Tests.EndToEnd.EndToEndSteps;

namespace ActorLoki.Shipper.Tests.EndToEnd;

/// <summary>
/// Each fault of ARCHITECTURE.md, end to end: whatever happens, every line the simulator wrote reaches
/// the receiver once, in order, unless it was rotated away or deleted with its pod before anyone could
/// read it (and those are counted by the ledger).
/// </summary>
public sealed class FaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(40);
    private const string Ns = ShipperHarness.Namespace;

    [Fact]
    public async Task Many_short_lived_pods_are_read_before_they_go()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var scenario = Steady(h, pods: 1, rate: 20, new ScenarioOptions { JobsPerMinute = 600, JobLines = 30, JobTimeToLive = TimeSpan.FromSeconds(3) });
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(3));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        h.Cluster.Ledger.Streams.Count.Should().BeGreaterThan(20, "about thirty job pods ran");
        ShouldBeExactlyOnce(report);
    }

    [Fact]
    public async Task Lines_written_just_before_a_container_restart_are_drained_from_the_previous_instance()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        h.Cluster.CreatePod(new PodSpecification("api-0") { Namespace = Ns, Containers = ["app"] });
        await h.StartShipperAsync();

        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 200; i++)
            {
                h.Cluster.WriteLog(Ns, "api-0", "app", $"round {round} line {i} before the crash");
            }

            h.Cluster.RestartContainer(Ns, "api-0", "app");
            await Task.Delay(300);
        }

        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        h.Cluster.RestartCount(Ns, "api-0", "app").Should().Be(5);
        report.Written.Should().Be(1000);
        ShouldBeExactlyOnce(report);
    }

    [Fact]
    public async Task A_crash_looping_container_is_drained_during_back_off_without_a_storm_of_requests()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        h.Cluster.CreatePod(new PodSpecification("worker-0") { Namespace = Ns, Containers = ["app"] });
        await h.StartShipperAsync();

        for (var crash = 0; crash < 3; crash++)
        {
            for (var i = 0; i < 50; i++)
            {
                h.Cluster.WriteLog(Ns, "worker-0", "app", $"crash {crash} line {i}");
            }

            // The container dies and waits in back-off (CrashLoopBackOff) before its next instance starts.
            h.Cluster.RestartContainer(Ns, "worker-0", "app", backOff: true);
            var before = LogRequests(h);
            await Task.Delay(1500);
            (LogRequests(h) - before).Should().BeLessThan(8, "a container in back-off is drained once, not reopened in a loop");
            h.Cluster.StartContainer(Ns, "worker-0", "app");
        }

        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        report.Written.Should().Be(150);
        ShouldBeExactlyOnce(report);
    }

    private static int LogRequests(ShipperHarness h) => h.Kube.Faults.Requests.Count(r => r.PathAndQuery.Contains("/log?", StringComparison.Ordinal));

    [Fact]
    public async Task The_buffer_budget_holds_across_many_busy_containers_while_Loki_is_down()
    {
        const long budget = 1024 * 1024;
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string>
        {
            ["loki.buffer.max-bytes"] = "1MiB",
            ["loki.batch.max-bytes"] = "64KiB",
        });
        var scenario = Steady(h, pods: 20, rate: 300);
        await h.StartShipperAsync();
        await h.Loki.GoDownAsync();

        long peak = 0;
        await RunAsync(scenario, TimeSpan.FromSeconds(3), async _ =>
        {
            peak = Math.Max(peak, h.Shipper!.Metrics.BufferedBytes);
            await Task.CompletedTask;
        });

        peak.Should().BeGreaterThan(budget / 2, "the scenario writes far more than the budget");
        peak.Should().BeLessThanOrEqualTo(budget + (20 * 64 * 1024), "memory stays within the budget plus one read per tail");
        await h.Loki.ComeUpAsync();
        ShouldBeExactlyOnce(await h.WaitForDeliveryAsync(DeliveryTimeout));
    }

    [Fact]
    public async Task Restarts_during_steady_load_lose_nothing()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var scenario = Steady(h, pods: 3, rate: 100, new ScenarioOptions { RestartsPerMinute = 60 });
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(4));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        h.Cluster.Ledger.Streams.Select(s => s.Instance).Max().Should().BeGreaterThan(0, "containers restarted");
        ShouldBeExactlyOnce(report);
    }

    [Fact]
    public async Task Dropped_log_streams_are_reopened_from_their_position()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var scenario = Steady(h, pods: 2, rate: 200);
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(3), async tick =>
        {
            if (tick % 5 == 2)
            {
                h.Kube.Faults.DropLogStreams();
            }

            if (tick == 10)
            {
                // Cut a stream in the middle of a line.
                h.Kube.Faults.DropNextLogStreamAfter(777);
                h.Kube.Faults.DropLogStreams();
            }

            await Task.CompletedTask;
        });
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        ShouldBeExactlyOnce(report);
    }

    [Fact]
    public async Task A_stalled_log_stream_is_noticed_and_reopened()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string> { ["tail.silence-floor"] = "1s" });
        var scenario = Steady(h, pods: 1, rate: 100);
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        h.Kube.Faults.StallLogStreams();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        h.Kube.Faults.ResumeLogStreams();
        await RunAsync(scenario, TimeSpan.FromSeconds(2));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        ShouldBeExactlyOnce(report);
    }

    [Fact]
    public async Task A_namespace_supervisor_that_fails_is_restarted_and_shipping_goes_on()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var scenario = Steady(h, pods: 2, rate: 100);
        await h.StartShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));

        var supervisor = await h.Shipper!.Guardian.Ask<IActorRef>(new ShipperGuardian.GetChild("ns-" + Ns), TimeSpan.FromSeconds(5));
        supervisor.Tell(Kill.Instance);
        await RunAsync(scenario, TimeSpan.FromSeconds(2));

        ShouldBeExactlyOnce(await h.WaitForDeliveryAsync(DeliveryTimeout));
        var status = await h.Shipper.GetStatusAsync();
        status.AllSynced.Should().BeTrue("the restarted supervisor listed the pods again and stayed up");
        status.Namespaces.Single().Tails.Should().Be(2);
    }

    [Fact]
    public async Task A_container_that_went_quiet_is_reopened_less_and_less_often()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string> { ["tail.silence-floor"] = "500ms" });
        var scenario = Steady(h, pods: 1, rate: 100);
        await h.StartShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        ShouldBeExactlyOnce(await h.WaitForDeliveryAsync(DeliveryTimeout));

        await Task.Delay(TimeSpan.FromSeconds(6));

        var tail = (await h.Shipper!.GetStreamsAsync()).Tails.Single();
        tail.Reopens.Should().BeInRange(2, 5, "silent for 6 s with a 0.5 s floor: reopened after 0.5, 1, 2 s... not 12 times");
        ShouldBeExactlyOnce(h.Account());
    }

    [Fact]
    public async Task An_expired_watch_is_relisted_and_pods_created_meanwhile_are_followed()
    {
        await using var h = await ShipperHarness.StartAsync(
            output,
            new Dictionary<string, string> { ["kubernetes.watch-timeout"] = "1s" },
            new KubernetesSimulatorOptions { DefaultWatchTimeout = TimeSpan.FromSeconds(1), HistoryWindow = TimeSpan.FromMilliseconds(200) });
        var scenario = Steady(h, pods: 2, rate: 50, new ScenarioOptions { PodChurnPerMinute = 120 });
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(4), async tick =>
        {
            if (tick % 10 == 5)
            {
                // Nobody watches for a moment (the next watch fails, the open one is dropped); pods change
                // meanwhile and the history is compacted, so the informer's resourceVersion is too old: 410.
                h.Kube.Faults.FailNextRequests(1, 503, pathContains: "watch=true");
                h.Kube.Faults.DropWatches();
                scenario.Advance(TimeSpan.FromSeconds(0.5));
                h.Cluster.Compact();
            }

            await Task.CompletedTask;
        });
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);
        var status = await h.Shipper!.GetStatusAsync();

        status.Namespaces.Single().Informer!.Value.Expirations.Should().BeGreaterThan(0, "the watch expired and the pods were listed again");
        h.Cluster.Ledger.Streams.Select(s => s.Pod).Distinct().Count().Should().BeGreaterThan(4, "pods were replaced");
        ShouldBeExactlyOnce(report, unreadableAllowed: true);
        var lines = h.Cluster.Ledger.Lines();
        lines.Where(l => l.State is LedgerLineState.RotatedUnread or LedgerLineState.CollectedUnread).Should().BeEmpty("only pods deleted before they were read may take lines with them");
        var received = h.Loki.Streams().Select(s => s.LabelValues["pod"]).ToHashSet();
        lines.Where(l => l.State == LedgerLineState.Served).Select(l => l.Stream.Pod).Distinct().Should().OnlyContain(pod => received.Contains(pod), "every pod created, even while the watch was expired, was followed");
    }

    [Fact]
    public async Task Kubelet_rotation_stalls_are_recovered_and_only_lines_rotated_away_unread_are_missing()
    {
        await using var h = await ShipperHarness.StartAsync(
            output,
            new Dictionary<string, string> { ["tail.silence-floor"] = "1s" },
            new KubernetesSimulatorOptions { LogRotationBytes = 64 * 1024, RotationStallsFollowers = true });
        var scenario = Steady(h, pods: 1, rate: 400);
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(4));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        ShouldBeExactlyOnce(report, unreadableAllowed: true);
        var last = h.Cluster.Ledger.Lines()[^1];
        h.Loki.Streams().SelectMany(s => s.Entries).Should().Contain(e => e.TimestampUnixNanos == last.Timestamp, "the stalled stream was reopened and followed to the end");
        report.Unreadable.Should().BeGreaterThan(0, "the scenario rotates faster than a stall is noticed (otherwise it proves nothing)");
    }

    [Theory]
    [InlineData(500)]
    [InlineData(429)]
    public async Task Loki_failing_for_a_window_delays_lines_but_loses_none(int status)
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var scenario = Steady(h, pods: 2, rate: 100);
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        h.Loki.Faults.During(TimeSpan.FromSeconds(2), LokiFault.Status(status, retryAfter: status == 429 ? "1" : null));
        await RunAsync(scenario, TimeSpan.FromSeconds(3));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        h.Loki.Statistics.RequestsByStatus.GetValueOrDefault(status).Should().BeGreaterThan(0);
        ShouldBeExactlyOnce(report);
    }

    [Fact]
    public async Task Loki_down_longer_than_the_batch_wait_loses_nothing()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var scenario = Steady(h, pods: 2, rate: 100);
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        var down = h.Loki.GoDownForAsync(TimeSpan.FromSeconds(3));
        await RunAsync(scenario, TimeSpan.FromSeconds(3));
        await down;
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        ShouldBeExactlyOnce(report);
    }

    [Fact]
    public async Task A_shipper_stopped_with_SIGTERM_and_started_again_resumes_without_resending()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var scenario = Steady(h, pods: 2, rate: 200);
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(2));
        var stopped = await h.StopShipperAsync();
        stopped!.Drained.Should().BeTrue();
        stopped.PositionsSaved.Should().BeTrue();

        await RunAsync(scenario, TimeSpan.FromSeconds(1)); // lines written while no shipper runs
        await h.StartShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(2));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        ShouldBeExactlyOnce(report);
        report.ResentAndDeduplicated.Should().Be(0, "a drained shipper saved exact positions: nothing is sent twice");
    }

    [Fact]
    public async Task SIGTERM_while_Loki_is_down_stops_within_the_deadline_saves_positions_and_loses_nothing()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string> { ["shutdown.drain-deadline"] = "2s" });
        var scenario = Steady(h, pods: 2, rate: 100);
        await h.StartShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        await h.WaitForDeliveryAsync(DeliveryTimeout);

        await h.Loki.GoDownAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        var started = DateTimeOffset.UtcNow;
        var stopped = await h.StopShipperAsync();

        (DateTimeOffset.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(10), "the drain gives up at its deadline");
        stopped!.Drained.Should().BeFalse("Loki is down");
        stopped.PositionsSaved.Should().BeTrue("positions of what Loki acknowledged are saved all the same");
        stopped.BufferedBytesLeft.Should().BeGreaterThan(0);

        await h.Loki.ComeUpAsync();
        await h.StartShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        ShouldBeExactlyOnce(await h.WaitForDeliveryAsync(DeliveryTimeout));
    }

    [Fact]
    public async Task A_failure_the_shipper_cannot_recover_from_in_place_ends_the_actor_system()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        await h.StartShipperAsync();
        var batcher = await h.Shipper!.Guardian.Ask<IActorRef>(new ShipperGuardian.GetChild("batcher"), TimeSpan.FromSeconds(5));

        batcher.Tell(Kill.Instance);

        await h.Shipper.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_shipper_killed_and_started_again_resends_with_identical_timestamps_so_nothing_shows_twice()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string> { ["positions.save-interval"] = "1s" });
        var scenario = Steady(h, pods: 2, rate: 200);
        await h.StartShipperAsync();

        await RunAsync(scenario, TimeSpan.FromSeconds(2.5));
        await h.KillShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        await h.StartShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(2));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        ShouldBeExactlyOnce(report);
    }
}
