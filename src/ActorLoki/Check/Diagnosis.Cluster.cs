using ActorLoki.Shipper.Settings;

namespace ActorLoki.Check;

/// <summary>The fixes of the scale-out checks (docs/scale-out.md, docs/troubleshooting.md#scale-out).</summary>
internal sealed partial record Diagnosis
{
    public static Diagnosis NoClusterAddress { get; } = new(
        "actorloki.cluster.hostname is empty and POD_IP is not set: the other replicas would not know where to reach this one",
        [
            "set POD_IP from the downward API: env POD_IP with valueFrom.fieldRef.fieldPath: status.podIP (deploy/overlays/scale-out does)",
            "or set actorloki.cluster.hostname to the address the other replicas reach this one at",
        ]);

    /// <summary>A replica's or seed's port that did not accept a TCP connection.</summary>
    /// <param name="endpoint">ip:port and what it is, e.g. <c>10.0.0.6:4053 (remoting, port "remoting")</c>.</param>
    /// <param name="who">The pod or seed node, as the fix names it.</param>
    /// <param name="between">The pods the NetworkPolicy must let talk to each other.</param>
    public static Diagnosis Unreachable(string endpoint, string error, IReadOnlyList<int> ports, string who, string between) => new(
        $"TCP {endpoint}: {error}",
        [
            $"a NetworkPolicy that isolates the namespace must allow TCP {string.Join(" and ", ports)} (ingress and egress) between {between}; "
                + "the replicas use 4053 (Akka remoting) unless cluster.port says otherwise",
            $"check that {who} runs ActorLoki with actorloki.cluster.enabled = on and the same cluster.port (its log says where it listens)",
        ]);

    /// <summary>A Running replica pod the seed-node discovery skips: it declares no container port of that name.</summary>
    public static Diagnosis NoRemotingPort(ClusterBootstrapSettings bootstrap, int port) => new(
        $"it matches {bootstrap.PodLabelSelector} and is Running, but none of its containers declares a port named \"{bootstrap.PortName}\", so the other replicas never take it as a seed node",
        [
            $"declare containerPort {port} named {bootstrap.PortName} in the container (deploy/overlays/scale-out does), "
                + "or set cluster.bootstrap.port-name to the name it has; a pod not ActorLoki's should not carry the label",
        ]);

    /// <summary>A shard's ConfigMap whose positions cannot be parsed: the shipper sets them aside and overwrites the ConfigMap.</summary>
    public static Diagnosis CorruptShard(string problem, string @namespace, string name) => new(
        problem,
        [
            $"the shipper starts the streams of this shard from nothing (up to tail.max-lookback back) and overwrites it; to do so now: kubectl -n {@namespace} delete configmap {name}",
        ]);
}
