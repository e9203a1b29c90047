using System.Globalization;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// The Akka configuration of a clustered shipper (<c>actorloki.cluster.enabled</c>), rendered from ActorLoki's
/// settings as text: this type names no Akka.Cluster or Akka.Remote type, so that a single replica, which never
/// calls it, loads neither assembly. Two layers, as in <see cref="Actors.ShipperAkkaConfig"/>: what the cluster
/// needs to work at all (provider, address, seeds, downing, serializer, sharding's store), which the user's
/// <c>akka</c> section cannot change, and tunables the user may override (failure detector, bootstrap's pacing).
/// </summary>
public static class ClusterAkkaConfig
{
    /// <summary>The discovery method (an <c>akka.discovery</c> section) that lists ActorLoki's own pods.</summary>
    public const string DiscoveryMethod = "actorloki-pods";

    /// <summary>The service name the seed-node discovery looks up (only the label selector decides what is found).</summary>
    public const string ServiceName = "actorloki";

    /// <summary>The address other nodes reach this one at: the setting, else POD_IP; neither is a configuration error.</summary>
    public static string Hostname(ClusterSettings cluster, KubernetesEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(environment);
        if (cluster.Hostname.Trim().Length > 0)
        {
            return cluster.Hostname.Trim();
        }

        return environment.GetVariable("POD_IP") is { Length: > 0 } podIp
            ? podIp
            : throw new InvalidOperationException(
                "actorloki.cluster.enabled = on but actorloki.cluster.hostname is empty and POD_IP is not set: set POD_IP from the downward API (status.podIP) or actorloki.cluster.hostname to the address the other replicas reach this one at");
    }

    /// <summary>What the cluster needs to work; wins over the user's <c>akka</c> section.</summary>
    public static string Required(ClusterSettings cluster, string hostname)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var seeds = string.Join(", ", cluster.SeedNodes.Select(Quote));
        var handOff = Millis(cluster.HandOffTimeout + TimeSpan.FromSeconds(5));
        return $$"""
            akka {
              actor.provider = cluster
              # ActorSystem.Terminate is a crash (ShipperRuntime.AbortAsync): a node leaves the cluster only through
              # coordinated shutdown (SIGTERM, ShipperRuntime.StopAsync, the host), whose first phase hands its streams over.
              coordinated-shutdown.run-by-actor-system-terminate = off
              actor.serializers.actorloki-cluster = {{Quote(typeof(ClusterMessageSerializer).AssemblyQualifiedName!)}}
              actor.serialization-bindings {
                {{Quote(typeof(IClusterMessage).AssemblyQualifiedName!)}} = actorloki-cluster
              }
              remote.dot-netty.tcp {
                hostname = {{Quote(hostname)}}
                public-hostname = {{Quote(hostname)}}
                port = {{cluster.Port.ToString(CultureInfo.InvariantCulture)}}
              }
              cluster {
                seed-nodes = [{{seeds}}]
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = {{Millis(cluster.SplitBrainResolver.StableAfter)}}
                }
                run-coordinated-shutdown-when-down = on
                sharding {
                  state-store-mode = ddata
                  remember-entities = off
                  handoff-timeout = {{handOff}}
                }
              }
              discovery {
                method = {{DiscoveryMethod}}
                {{DiscoveryMethod}}.class = {{Quote(typeof(PodServiceDiscovery).AssemblyQualifiedName!)}}
              }
            }
            """;
    }

    /// <summary>
    /// Tunables, below the user's section: sharding rebalances a few shards at a time (each move is a hand-over),
    /// and a removed node's shards are given to the survivors as soon as the coordinator hears of it.
    /// </summary>
    public static string Defaults() => """
        akka.cluster.sharding {
          least-shard-allocation-strategy.rebalance-absolute-limit = 4
          rebalance-interval = 10s
        }
        akka.cluster.singleton.hand-over-retry-interval = 1s
        akka.cluster.log-info-verbose = off
        """;

    private static string Millis(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
