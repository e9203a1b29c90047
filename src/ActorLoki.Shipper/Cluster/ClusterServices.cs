using ActorLoki.Kubernetes;
using Akka.Actor;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// What the cluster's Akka-instantiated parts (<see cref="PodServiceDiscovery"/>, made by Akka.Discovery from
/// its type name) take from the shipper: the Kubernetes client, the namespace and label selector of
/// ActorLoki's own pods. Installed by <see cref="ClusterNode.Start"/> before anything looks it up.
/// </summary>
public sealed class ClusterServices : IExtension
{
    internal ClusterServices(KubernetesClient kubernetes, string @namespace, string podLabelSelector)
    {
        Kubernetes = kubernetes;
        Namespace = @namespace;
        PodLabelSelector = podLabelSelector;
    }

    public KubernetesClient Kubernetes { get; }

    /// <summary>The shipper's own namespace, where its replicas run.</summary>
    public string Namespace { get; }

    public string PodLabelSelector { get; }

    public static ClusterServices Install(ActorSystem system, KubernetesClient kubernetes, string @namespace, string podLabelSelector)
    {
        ArgumentNullException.ThrowIfNull(system);
        return (ClusterServices)system.RegisterExtension(new Provider(new ClusterServices(kubernetes, @namespace, podLabelSelector)));
    }

    public static ClusterServices Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.GetExtension<ClusterServices>()
            ?? throw new InvalidOperationException("ClusterServices is not installed: the shipper's cluster node was not started in this actor system");
    }

    private sealed class Provider(ClusterServices services) : ExtensionIdProvider<ClusterServices>
    {
        public override ClusterServices CreateExtension(ExtendedActorSystem system) => services;
    }
}
