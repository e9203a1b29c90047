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
}
