using ActorLoki.Simulator.Kubernetes;
using Xunit.Abstractions;

namespace ActorLoki.Shipper.Tests.EndToEnd;

/// <summary>Resuming one container's log across shipper restarts, with lines written in bursts.</summary>
public sealed class ResumeTests(ITestOutputHelper output)
{
    private const string Ns = ShipperHarness.Namespace;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Bursts_across_a_graceful_restart_are_delivered_exactly_once(int seed)
    {
        await using var h = await ShipperHarness.StartAsync(output);
        h.Cluster.CreatePod(new PodSpecification("api-0") { Namespace = Ns, Containers = ["app"] });
        var random = new Random(seed);
        var next = 0;
        async Task BurstsAsync(int bursts)
        {
            for (var b = 0; b < bursts; b++)
            {
                var count = random.Next(1, 60);
                for (var i = 0; i < count; i++)
                {
                    h.Cluster.WriteLog(Ns, "api-0", "app", $"line {next++} of the api");
                }

                await Task.Delay(random.Next(10, 150));
            }
        }

        await h.StartShipperAsync();
        await BurstsAsync(20);
        (await h.StopShipperAsync())!.Drained.Should().BeTrue();
        await BurstsAsync(5);
        await h.StartShipperAsync();
        await BurstsAsync(20);

        var report = await h.WaitForDeliveryAsync(TimeSpan.FromSeconds(20));
        report.Missing.Should().Be(0, report.ToString());
        report.VisibleDuplicates.Should().Be(0);
        report.OutOfOrder.Should().Be(0);
        report.ResentAndDeduplicated.Should().Be(0);
    }
}
