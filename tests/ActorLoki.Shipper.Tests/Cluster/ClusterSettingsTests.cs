using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Cluster;
using ActorLoki.Shipper.Settings;
using ActorLoki.Shipper.Tests.Settings;

namespace ActorLoki.Shipper.Tests.Cluster;

/// <summary>The <c>actorloki.cluster</c> settings, and the Akka configuration rendered from them (read by Akka's own parser).</summary>
public sealed class ClusterSettingsTests : IDisposable
{
    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Clustering_is_off_by_default_with_the_documented_defaults()
    {
        var cluster = _fixture.LoadText("").GetSettingsOrThrow().Cluster;

        cluster.Enabled.Should().BeFalse();
        cluster.Hostname.Should().BeEmpty();
        cluster.Port.Should().Be(4053);
        cluster.SeedNodes.Should().BeEmpty();
        cluster.Bootstrap.Should().Be(new ClusterBootstrapSettings
        {
            PodLabelSelector = "app.kubernetes.io/name=actorloki",
            PortName = "remoting",
            RequiredContactPoints = 2,
            StableMargin = TimeSpan.FromSeconds(5),
        });
        cluster.Shards.Should().Be(32);
        cluster.HandOffTimeout.Should().Be(TimeSpan.FromSeconds(10));
        cluster.EnsureInterval.Should().Be(TimeSpan.FromSeconds(5));
        cluster.SplitBrainResolver.Should().Be(new SplitBrainSettings { ActiveStrategy = SplitBrainStrategy.KeepMajority, StableAfter = TimeSpan.FromSeconds(5) });
    }

    [Fact]
    public void Bad_cluster_values_are_reported_with_what_was_expected()
    {
        var result = _fixture.LoadText("""
            actorloki.cluster {
              enabled = on
              port = 70000
              seed-nodes = ["akka.tcp://other@10.0.0.1:4053", "http://10.0.0.2"]
              shards = 0
              split-brain-resolver.active-strategy = lease-majority
            }
            """);

        result.Errors.Select(e => e.Message).Should().BeEquivalentTo(
        [
            "actorloki.cluster.port = 70000: expected a whole number from 0 to 65535",
            "actorloki.cluster.seed-nodes[0] = \"akka.tcp://other@10.0.0.1:4053\": expected an Akka address such as \"akka.tcp://actorloki@10.0.0.5:4053\"",
            "actorloki.cluster.seed-nodes[1] = \"http://10.0.0.2\": expected an Akka address such as \"akka.tcp://actorloki@10.0.0.5:4053\"",
            "actorloki.cluster.shards = 0: expected a whole number from 1 to 1000",
            "actorloki.cluster.split-brain-resolver.active-strategy = \"lease-majority\": expected one of keep-majority",
        ]);
    }

    [Fact]
    public void Bootstrap_without_seed_nodes_needs_a_pod_label_selector()
    {
        var result = _fixture.LoadText("actorloki.cluster { enabled = on, bootstrap.pod-label-selector = \"\" }");

        result.Errors.Select(e => e.Message).Should().ContainSingle().Which.Should().Contain("pod-label-selector is empty");
    }

    [Fact]
    public void Off_renders_a_local_provider_and_no_remoting_or_cluster_section()
    {
        var config = ShipperAkkaConfig.Build(_fixture.LoadText("").GetSettingsOrThrow());

        config.GetString("akka.actor.provider").Should().BeNullOrEmpty();
        config.HasPath("akka.remote.dot-netty.tcp.port").Should().BeFalse();
        config.HasPath("akka.cluster.seed-nodes").Should().BeFalse();
        config.HasPath("akka.actor.serializers.actorloki-cluster").Should().BeFalse();
    }

    [Fact]
    public void On_renders_remoting_seeds_downing_sharding_discovery_and_the_serializer_for_Akka()
    {
        var settings = _fixture.LoadText("""
            actorloki.cluster {
              enabled = on
              port = 0
              seed-nodes = ["akka.tcp://actorloki@10.0.0.1:4053"]
              hand-off-timeout = 7s
            }
            """).GetSettingsOrThrow();

        var config = ShipperAkkaConfig.Build(settings, environment: new KubernetesEnvironment(new Dictionary<string, string> { ["POD_IP"] = "10.0.0.9" }));

        config.GetString("akka.actor.provider").Should().Be("cluster");
        config.GetString("akka.remote.dot-netty.tcp.hostname").Should().Be("10.0.0.9");
        config.GetString("akka.remote.dot-netty.tcp.public-hostname").Should().Be("10.0.0.9");
        config.GetInt("akka.remote.dot-netty.tcp.port").Should().Be(0);
        config.GetStringList("akka.cluster.seed-nodes").Should().Equal("akka.tcp://actorloki@10.0.0.1:4053");
        config.GetString("akka.cluster.downing-provider-class").Should().Contain("SplitBrainResolverProvider");
        config.GetString("akka.cluster.split-brain-resolver.active-strategy").Should().Be("keep-majority");
        config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after").Should().Be(TimeSpan.FromSeconds(5));
        config.GetString("akka.cluster.sharding.state-store-mode").Should().Be("ddata");
        config.GetBoolean("akka.cluster.sharding.remember-entities").Should().BeFalse();
        config.GetTimeSpan("akka.cluster.sharding.handoff-timeout").Should().Be(TimeSpan.FromSeconds(12));
        config.GetBoolean("akka.coordinated-shutdown.run-by-actor-system-terminate").Should().BeFalse();
        config.GetString("akka.actor.serializers.actorloki-cluster").Should().Be(typeof(ClusterMessageSerializer).AssemblyQualifiedName);
        config.GetString("akka.actor.serialization-bindings.\"" + typeof(IClusterMessage).AssemblyQualifiedName + "\"").Should().Be("actorloki-cluster");
        config.GetString("akka.discovery.method").Should().Be(ClusterAkkaConfig.DiscoveryMethod);
        config.GetString($"akka.discovery.{ClusterAkkaConfig.DiscoveryMethod}.class").Should().Be(typeof(PodServiceDiscovery).AssemblyQualifiedName);
        config.HasPath("akka.management").Should().BeFalse("Akka.Management is not used: SeedNodeDiscovery forms the cluster");
    }

    [Fact]
    public void The_users_akka_section_cannot_turn_the_cluster_provider_off_but_may_tune_the_failure_detector()
    {
        var settings = _fixture.LoadText("""
            actorloki.cluster { enabled = on, hostname = "10.1.1.1" }
            akka.actor.provider = local
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 6s
            akka.cluster.sharding.rebalance-interval = 20s
            """).GetSettingsOrThrow();

        var config = ShipperAkkaConfig.Build(settings);

        config.GetString("akka.actor.provider").Should().Be("cluster");
        config.GetString("akka.remote.dot-netty.tcp.hostname").Should().Be("10.1.1.1");
        config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause").Should().Be(TimeSpan.FromSeconds(6));
        config.GetTimeSpan("akka.cluster.sharding.rebalance-interval").Should().Be(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Enabled_without_hostname_or_POD_IP_is_a_clear_configuration_error()
    {
        var settings = _fixture.LoadText("actorloki.cluster.enabled = on").GetSettingsOrThrow();

        var build = () => ShipperAkkaConfig.Build(settings, environment: new KubernetesEnvironment(new Dictionary<string, string>()));

        build.Should().Throw<InvalidOperationException>().WithMessage("*actorloki.cluster.hostname is empty and POD_IP is not set*");
    }
}
