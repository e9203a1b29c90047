using System.Text.Json;
using Akka.Actor;
using ActorLoki.Hosting;
using ActorLoki.Tests.Hosting;
using ActorLoki.Logging;
using ActorLoki.Shipper;
using ActorLoki.Shipper.Discovery;
using ActorLoki.Shipper.Settings;
using ActorLoki.Shipper.Tailing;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;

namespace ActorLoki.Tests.Logging;

/// <summary>Actor lifecycle events as the running host logs them (JSON, through Serilog), each once, tails with their pod and container.</summary>
public sealed class ActorLifecycleLogTests : SimulatedBackends
{
    private readonly LogCollector _output = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _output.Dispose();
    }

    private async Task<(ShipperHost Host, IActorRef Tail, IDisposable Logging)> StartWithOneTailAsync()
    {
        Kube.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = Ns });
        var settings = ActorLokiConfiguration.Load(new ConfigurationSources
        {
            CommandLine = [new("logging.format", "json"), new("logging.level", "Debug")],
        }).GetSettingsOrThrow();
        var (factory, serilog) = ActorLokiLogging.Create(settings.Logging, _output, outputIsTerminal: false);
        var host = TestHosts.Create(Kube, Loki, factory);
        await host.StartAsync();
        var runtime = host.Service.Runtime!;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var supervisor = await runtime.Guardian.Ask<IActorRef>(new ShipperGuardian.GetChild("ns-" + Ns), cancellationToken: cancel.Token);
        IActorRef? tail = null;
        while (tail is null || host.Service.Lifecycle.KnownTails == 0)
        {
            tail = (await supervisor.Ask<NamespaceSupervisor.Tails>(NamespaceSupervisor.GetTails.Instance, cancellationToken: cancel.Token)).Refs.SingleOrDefault();
            await Task.Delay(20, cancel.Token);
        }

        return (host, tail, new Disposables(factory, serilog));
    }

    /// <summary>The kernel's and the lifecycle log's events (the shipper's guardian has event ids 1001-1003 of its own).</summary>
    private IReadOnlyList<JsonElement> Lifecycle(int eventId) =>
        [.. _output.WithEventId(eventId).Where(e => e.GetProperty("SourceContext").GetString() is ActorLifecycleLog.KernelCategory or "ActorLoki.Lifecycle")];

    private async Task<JsonElement> WaitForEventAsync(int eventId)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            if (Lifecycle(eventId) is [var found, ..])
            {
                return found;
            }

            await Task.Delay(20, cancel.Token);
        }
    }

    [Fact]
    public async Task A_restarted_tail_is_one_event_with_its_cause_attempt_pod_and_container_and_the_kernel_does_not_say_it_again()
    {
        var (host, tail, logging) = await StartWithOneTailAsync();
        await using (host)
        using (logging)
        {
            // A message the tail cannot handle makes it throw: its supervisor restarts it.
            tail.Tell(new ContainerTail.PodUpdated(null!, null!));

            var restarted = await WaitForEventAsync(9101);
            await host.StopAsync();

            restarted.GetProperty("Level").GetString().Should().Be("Error");
            var properties = restarted;
            properties.GetProperty("ActorPath").GetString().Should().Be("/user/guardian/ns-shop/web-0.app");
            properties.GetProperty("Attempt").GetInt32().Should().Be(1);
            properties.GetProperty("Cause").GetString().Should().Be(nameof(NullReferenceException));
            properties.GetProperty("Namespace").GetString().Should().Be(Ns);
            properties.GetProperty("Pod").GetString().Should().Be("web-0");
            properties.GetProperty("Container").GetString().Should().Be("app");
            restarted.GetProperty("Message").GetString().Should().Be(
                "Actor /user/guardian/ns-shop/web-0.app restarted after NullReferenceException (attempt 1); it follows shop/web-0/app again from its position");
            restarted.GetProperty("Exception").GetString().Should().Contain(nameof(NullReferenceException));
            Lifecycle(9101).Should().ContainSingle();
            Lifecycle(1001).Should().BeEmpty("the kernel's failure event for a restart is replaced by 9101");
        }
    }

    [Fact]
    public async Task A_tail_the_kernel_stops_after_a_failure_is_logged_once_with_its_pod_and_container()
    {
        var (host, tail, logging) = await StartWithOneTailAsync();
        await using (host)
        using (logging)
        {
            tail.Tell(Kill.Instance);

            var stopped = await WaitForEventAsync(1001);
            await host.StopAsync();

            var properties = stopped;
            properties.GetProperty("Directive").GetString().Should().Be("Stop");
            properties.GetProperty("Pod").GetString().Should().Be("web-0");
            properties.GetProperty("Container").GetString().Should().Be("app");
            Lifecycle(1001).Should().ContainSingle();
            Lifecycle(9101).Should().BeEmpty();
        }
    }

    private sealed class Disposables(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }
}
