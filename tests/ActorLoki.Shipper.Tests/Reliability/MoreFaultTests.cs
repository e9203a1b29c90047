using ActorLoki.Shipper.Tests.EndToEnd;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using Xunit.Abstractions;
using static ActorLoki.Shipper.Tests.EndToEnd.EndToEndSteps;

namespace ActorLoki.Shipper.Tests.Reliability;

/// <summary>
/// Faults of ARCHITECTURE.md that the end-to-end fault tests did not cover: the API token rotated during a
/// run, a pod deleted while its tail is reading, Loki holding requests until they time out, and a pod
/// watch gone silent. Every line written is accounted for against the ledger.
/// </summary>
public sealed class MoreFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(40);
    private const string Ns = ShipperHarness.Namespace;

    [Fact]
    public async Task A_token_rotated_during_a_run_is_read_again_from_its_file_and_nothing_is_lost()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        var tokenFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(tokenFile, h.Kube.Tokens.Current);
            h.TokenFile = tokenFile;
            var scenario = Steady(h, pods: 2, rate: 100, seed: 5);
            await h.StartShipperAsync();
            await RunAsync(scenario, TimeSpan.FromSeconds(1));

            // The old token stops working at once; every stream and the watch must reconnect with the new one.
            await File.WriteAllTextAsync(tokenFile, h.Kube.Tokens.Rotate(grace: TimeSpan.Zero));
            var requestsBefore = h.Kube.Faults.Requests.Count;
            h.Kube.Faults.DropLogStreams();
            h.Kube.Faults.DropWatches();
            await RunAsync(scenario, TimeSpan.FromSeconds(2));
            h.Cluster.CreatePod(new PodSpecification("late-0") { Namespace = Ns, Containers = ["app"] });
            h.Cluster.WriteLog(Ns, "late-0", "app", "written by a pod created after the rotation");
            await RunAsync(scenario, TimeSpan.FromSeconds(1));
            var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

            var after = h.Kube.Faults.Requests.Skip(requestsBefore).ToList();
            after.Should().Contain(r => r.StatusCode == 401, "the cached old token was refused once");
            after.Should().Contain(r => r.StatusCode == 200 && r.PathAndQuery.Contains("/log", StringComparison.Ordinal), "log streams were opened again with the new token");
            h.Loki.Streams().Should().Contain(s => s.LabelValues["pod"] == "late-0", "the watch works with the new token");
            ShouldBeExactlyOnce(report);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Fact]
    public async Task A_pod_deleted_while_its_tail_is_reading_delivers_every_line_that_was_read_and_its_tail_stops()
    {
        await using var h = await ShipperHarness.StartAsync(output);
        h.Cluster.CreatePod(new PodSpecification("doomed-0") { Namespace = Ns, Containers = ["app"] });
        h.Cluster.CreatePod(new PodSpecification("stays-0") { Namespace = Ns, Containers = ["app"] });
        await h.StartShipperAsync();

        for (var burst = 0; burst < 20; burst++)
        {
            for (var i = 0; i < 100; i++)
            {
                h.Cluster.WriteLog(Ns, "doomed-0", "app", $"burst {burst} line {i} of a pod about to be deleted");
                h.Cluster.WriteLog(Ns, "stays-0", "app", $"burst {burst} line {i} of a pod that stays");
            }

            await Task.Delay(50);
        }

        // Deleted with its stream open and lines still arriving: what was not read yet goes with the pod.
        h.Cluster.DeletePod(Ns, "doomed-0");
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        ShouldBeExactlyOnce(report, unreadableAllowed: true);
        h.Cluster.Ledger.Lines().Where(l => l.Stream.Pod == "doomed-0" && l.State == LedgerLineState.Served).Should().NotBeEmpty("the tail was reading when the pod went");
        h.Cluster.Ledger.Lines().Where(l => l.State is LedgerLineState.RotatedUnread or LedgerLineState.CollectedUnread).Should().BeEmpty();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((await h.Shipper!.GetStatusAsync(wait.Token)).Namespaces.Single().Tails != 1)
        {
            await Task.Delay(50, wait.Token);
        }
    }

    [Fact]
    public async Task Loki_holding_pushes_until_they_time_out_delays_lines_but_loses_none()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string> { ["loki.timeout"] = "500ms" });
        var scenario = Steady(h, pods: 2, rate: 100, seed: 5);
        await h.StartShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));

        h.Loki.Faults.Next(3, LokiFault.Hang);
        await RunAsync(scenario, TimeSpan.FromSeconds(2));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        h.Loki.Statistics.RequestsByStatus.GetValueOrDefault(0).Should().BeGreaterThanOrEqualTo(3, "three pushes were held until the client gave up");
        ShouldBeExactlyOnce(report);
    }

    [Fact]
    public async Task A_pod_watch_gone_silent_is_dropped_and_pods_created_meanwhile_are_followed()
    {
        await using var h = await ShipperHarness.StartAsync(output, new Dictionary<string, string> { ["kubernetes.watch-silence-limit"] = "1s" });
        var scenario = Steady(h, pods: 1, rate: 100, seed: 5);
        await h.StartShipperAsync();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));

        h.Kube.Faults.StallWatches();
        h.Cluster.CreatePod(new PodSpecification("unseen-0") { Namespace = Ns, Containers = ["app"] });
        for (var i = 0; i < 50; i++)
        {
            h.Cluster.WriteLog(Ns, "unseen-0", "app", $"line {i} of a pod created while the watch was silent");
        }

        await RunAsync(scenario, TimeSpan.FromSeconds(2));
        h.Kube.Faults.ResumeWatches();
        await RunAsync(scenario, TimeSpan.FromSeconds(1));
        var report = await h.WaitForDeliveryAsync(DeliveryTimeout);

        h.Kube.Faults.Requests.Count(r => r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal)).Should().BeGreaterThan(1, "the silent watch was given up and opened again");
        ShouldBeExactlyOnce(report);
    }
}
