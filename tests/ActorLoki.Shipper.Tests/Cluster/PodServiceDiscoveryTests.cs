using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Models;
using ActorLoki.Shipper.Cluster;
using ActorLoki.Simulator.Kubernetes;
using Akka.Actor;
using Akka.Discovery;
using Akka.TestKit.Xunit2;

namespace ActorLoki.Shipper.Tests.Cluster;

/// <summary>
/// ActorLoki's replicas as Akka.Discovery contact points, listed from the simulated API server: the pods of the
/// shipper's namespace that match the label selector and run with an IP.
/// </summary>
public sealed class PodServiceDiscoveryTests : TestKit
{
    [Fact]
    public async Task The_replicas_are_the_running_pods_matching_the_selector_at_their_pod_IP()
    {
        await using var kube = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = "logging" });
        var replica = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "actorloki" };
        kube.Cluster.CreatePod(new PodSpecification("actorloki-0") { Namespace = "logging", Labels = replica });
        kube.Cluster.CreatePod(new PodSpecification("actorloki-1") { Namespace = "logging", Labels = replica });
        kube.Cluster.CreatePod(new PodSpecification("actorloki-2") { Namespace = "logging", Labels = replica, Start = false });
        kube.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = "logging", Labels = new Dictionary<string, string> { ["app"] = "web" } });
        kube.Cluster.CreatePod(new PodSpecification("actorloki-other") { Namespace = "elsewhere", Labels = replica });
        using var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Server = kube.BaseAddress,
            Namespace = "logging",
            Credentials = KubernetesCredentials.Token(kube.Tokens.Current),
            Source = "test",
        });
        ClusterServices.Install(Sys, client, "logging", "app.kubernetes.io/name=actorloki");
        var discovery = new PodServiceDiscovery((ExtendedActorSystem)Sys, Akka.Configuration.Config.Empty);

        var resolved = await discovery.Lookup(new Lookup("actorloki"), TimeSpan.FromSeconds(5));

        var listed = await client.ListPodsAsync("logging", "app.kubernetes.io/name=actorloki");
        var running = listed.Items!.Where(p => p.Status?.Phase == "Running").Select(p => p.Status!.PodIP).ToList();
        running.Should().HaveCount(2, "actorloki-2 has not started");
        resolved.ServiceName.Should().Be("actorloki");
        resolved.Addresses.Select(a => a.Host).Should().BeEquivalentTo(running);
        resolved.Addresses.Should().OnlyContain(a => a.Port == null && a.Address != null);
    }

    [Fact]
    public void With_a_port_name_each_replica_is_reached_at_its_container_port_of_that_name()
    {
        Pod Replica(string ip, string? portName, string phase = "Running") => new()
        {
            Metadata = new ObjectMeta { Name = "actorloki-" + ip, Uid = ip },
            Spec = new PodSpec { Containers = [new Container { Name = "actorloki", Ports = portName is null ? null : [new ContainerPort { Name = "http", Number = 8080 }, new ContainerPort { Name = portName, Number = 8558 }] }] },
            Status = new PodStatus { Phase = phase, PodIP = ip },
        };

        var targets = PodServiceDiscovery.Targets(
            [Replica("10.0.0.1", "management"), Replica("10.0.0.2", "other"), Replica("10.0.0.3", null), Replica("10.0.0.4", "management", "Pending"), Replica("10.0.0.5", "management")],
            "management").ToList();

        targets.Select(t => (t.Host, t.Port)).Should().Equal(("10.0.0.1", 8558), ("10.0.0.5", 8558));
    }
}
