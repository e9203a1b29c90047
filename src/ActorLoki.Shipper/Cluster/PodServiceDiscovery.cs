using System.Collections.Immutable;
using System.Net;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Models;
using Akka.Actor;
using Akka.Configuration;
using Akka.Discovery;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// Akka.Discovery over ActorLoki's own pod listing: the replicas of a scaled-out ActorLoki are the Running pods
/// of its namespace that match <c>cluster.bootstrap.pod-label-selector</c> and have a pod IP; each is a contact
/// point at that IP and the container port named as the lookup's port name (Akka remoting's, for
/// <see cref="SeedNodeDiscovery"/>). It lists through <see cref="KubernetesClient"/> (ActorLoki's credentials, HTTP stack and JSON),
/// which the actor system's <see cref="ClusterServices"/> extension hands over; Akka.Discovery.KubernetesApi
/// cannot be used, being built against an older KubernetesClient.
/// </summary>
public sealed class PodServiceDiscovery : ServiceDiscovery
{
    private readonly ExtendedActorSystem _system;

    /// <summary>The constructor Akka's discovery extension calls (with the method's configuration section).</summary>
    public PodServiceDiscovery(ExtendedActorSystem system, Config config)
        : this(system)
    {
    }

    public PodServiceDiscovery(ExtendedActorSystem system)
    {
        _system = system;
    }

    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var services = ClusterServices.Get(_system);
        using var timeout = new CancellationTokenSource(resolveTimeout);
        var pods = await services.Kubernetes.ListPodsAsync(services.Namespace, services.PodLabelSelector, cancellationToken: timeout.Token).ConfigureAwait(false);
        return new Resolved(lookup.ServiceName, Targets(pods.Items ?? [], lookup.PortName).ToImmutableList());
    }

    /// <summary>The contact points among <paramref name="pods"/>: Running, with an IP, port by name when one is asked.</summary>
    public static IEnumerable<ResolvedTarget> Targets(IEnumerable<Pod> pods, string? portName)
    {
        ArgumentNullException.ThrowIfNull(pods);
        foreach (var pod in pods)
        {
            if (!IsReachable(pod))
            {
                continue;
            }

            int? port = null;
            if (!string.IsNullOrEmpty(portName))
            {
                port = PortNamed(pod, portName);
                if (port is null)
                {
                    continue;
                }
            }

            var ip = pod.Status!.PodIP!;
            yield return new ResolvedTarget(ip, port, IPAddress.TryParse(ip, out var address) ? address : null);
        }
    }

    /// <summary>A replica pod that can be a contact point: Running, with a pod IP, not terminating.</summary>
    public static bool IsReachable(Pod pod) =>
        pod?.Status is { Phase: "Running", PodIP.Length: > 0 } && pod.Metadata?.DeletionTimestamp is null;

    /// <summary>The number of the pod's container port named <paramref name="name"/>, if any container declares it.</summary>
    public static int? PortNamed(Pod pod, string name) =>
        (pod?.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == name)?.Number;
}
