using ActorLoki.Simulator.Kubernetes;
using Xunit.Abstractions;

namespace ActorLoki.Shipper.Tests.EndToEnd;

/// <summary>
/// End to end, against the simulated namespace and the Loki-compatible receiver: every line the
/// simulator wrote reaches the receiver exactly once, in order per stream, with its kubelet timestamp
/// and the expected labels.
/// </summary>
public sealed class DeliveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Steady_load_is_delivered_exactly_once_in_order_with_kubelet_timestamps_and_labels()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var scenario = new Scenario(h.Cluster, new ScenarioOptions { Namespace = ShipperHarness.Namespace, Pods = 3, ContainersPerPod = 2, LinesPerSecondPerContainer = 200, Seed = 7 });
        scenario.Start();
        await h.StartShipperAsync();

        for (var i = 0; i < 20; i++)
        {
            scenario.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(100);
        }

        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        report.Written.Should().BeGreaterThan(2000);
        report.Missing.Should().Be(0, report.ToString());
        report.Unreadable.Should().Be(0);
        report.VisibleDuplicates.Should().Be(0);
        report.Unexpected.Should().Be(0);
        report.OutOfOrder.Should().Be(0);

        var stream = h.Loki.Streams()[0];
        // Loki adds service_name from the first of its usual labels it finds (here `app`), and so does the receiver.
        stream.LabelValues.Keys.Should().BeEquivalentTo(["namespace", "pod", "container", "app", "job", "service_name"]);
        stream.LabelValues["service_name"].Should().Be(stream.LabelValues["app"]);
        stream.LabelValues["namespace"].Should().Be(ShipperHarness.Namespace);
        stream.LabelValues["job"].Should().Be($"{ShipperHarness.Namespace}/{stream.LabelValues["app"]}");
    }

    [Fact]
    public async Task Hundreds_of_quiet_containers_started_after_busy_ones_are_all_followed_promptly()
    {
        // Busy tails are topped up to large credit windows; when their containers go quiet and hundreds of
        // new ones start, the budget must still let every new tail read (the window shrinks, idle credit
        // comes back) instead of leaving them to wait for memory nobody is using.
        const string Ns = ShipperHarness.Namespace;
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string>
        {
            ["loki.batch.max-wait"] = "1s",
            ["tail.silence-floor"] = "5m",
        });
        for (var p = 0; p < 8; p++)
        {
            h.Cluster.CreatePod(new PodSpecification($"busy-{p}") { Namespace = Ns });
            for (var i = 0; i < 500; i++)
            {
                h.Cluster.WriteLog(Ns, $"busy-{p}", "app", $"busy-{p} line {i} " + new string('x', 150));
            }
        }

        await h.StartShipperAsync();
        await h.Loki.WaitForEntriesAsync(4_000).WaitAsync(DeliveryTimeout);

        for (var p = 0; p < 600; p++)
        {
            h.Cluster.CreatePod(new PodSpecification($"quiet-{p}") { Namespace = Ns });
            h.Cluster.WriteLog(Ns, $"quiet-{p}", "app", $"quiet-{p} started");
        }

        var report = await h.WaitForDeliveryAsync(TimeSpan.FromSeconds(20));
        report.Complete.Should().BeTrue(report.ToString());
        h.Loki.Streams().Should().HaveCount(608);
    }
}
