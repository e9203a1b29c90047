using ActorLoki.Simulator;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Shipper.Tests.EndToEnd;

/// <summary>What the end-to-end and reliability tests do over and over: run a scenario in real time, and check a delivery report.</summary>
public static class EndToEndSteps
{
    /// <summary>Every readable line delivered once, in order, unaltered; lines nobody could read only when allowed.</summary>
    public static void ShouldBeExactlyOnce(DeliveryReport report, bool unreadableAllowed = false)
    {
        ArgumentNullException.ThrowIfNull(report);
        report.Missing.Should().Be(0, report.ToString());
        report.VisibleDuplicates.Should().Be(0, report.ToString());
        report.Unexpected.Should().Be(0, report.ToString());
        report.OutOfOrder.Should().Be(0, report.ToString());
        if (!unreadableAllowed)
        {
            report.Unreadable.Should().Be(0, report.ToString());
        }
    }

    /// <summary>Runs a scenario in real time for <paramref name="duration"/>, doing <paramref name="during"/> at each 100 ms tick.</summary>
    public static async Task RunAsync(Scenario scenario, TimeSpan duration, Func<int, Task>? during = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var ticks = (int)(duration.TotalMilliseconds / 100);
        for (var i = 0; i < ticks; i++)
        {
            scenario.Advance(TimeSpan.FromMilliseconds(100));
            if (during is not null)
            {
                await during(i);
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Pods in the harness's namespace writing at <paramref name="rate"/> lines/s each, started.</summary>
    public static Scenario Steady(ShipperHarness h, int pods = 2, double rate = 100, ScenarioOptions? options = null, int seed = 3)
    {
        ArgumentNullException.ThrowIfNull(h);
        var scenario = new Scenario(h.Cluster, (options ?? new ScenarioOptions()) with { Namespace = ShipperHarness.Namespace, Pods = pods, LinesPerSecondPerContainer = rate, Seed = seed });
        scenario.Start();
        return scenario;
    }
}
