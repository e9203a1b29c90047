using System.Globalization;
using System.Net.Sockets;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Models;
using ActorLoki.Shipper.Cluster;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using k8s.Models;

namespace ActorLoki.Check;

/// <summary>
/// The checks of scale-out (<c>cluster.enabled = on</c>): this node's address; the seed nodes, or the replicas
/// the seed-node discovery would find (listed as it lists them) and their remoting ports; the
/// positions ConfigMaps of every shard. Nothing is created: a shard's ConfigMap created empty here would keep
/// the shipper from seeding it from the single-replica ConfigMap.
/// </summary>
internal sealed partial class Preflight
{
    /// <summary>A replica or seed that is there answers a TCP connect at once; more than this is a dropped SYN (a NetworkPolicy).</summary>
    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(3);

    private TimeSpan ConnectTimeout => _timeout < MaxConnectTimeout ? _timeout : MaxConnectTimeout;

    private async Task CheckClusterAsync(KubernetesClient client, string ownNamespace, CancellationToken cancellationToken)
    {
        var cluster = settings.Cluster;
        CheckClusterAddress(cluster);
        if (cluster.SeedNodes.Count > 0)
        {
            await CheckSeedNodesAsync(cluster, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await CheckBootstrapAsync(client, ownNamespace, cluster, cancellationToken).ConfigureAwait(false);
        }
    }

    private void CheckClusterAddress(ClusterSettings cluster)
    {
        try
        {
            var host = ClusterAkkaConfig.Hostname(cluster, environment);
            var source = cluster.Hostname.Trim().Length > 0 ? "cluster.hostname" : "POD_IP";
            Pass($"cluster address: {host}:{(cluster.Port == 0 ? "any free port" : cluster.Port)} ({source})");
        }
        catch (InvalidOperationException)
        {
            Fail("cluster address", Diagnosis.NoClusterAddress);
        }
    }

    private async Task CheckSeedNodesAsync(ClusterSettings cluster, CancellationToken cancellationToken)
    {
        // Settings validation has made sure each is akka.tcp://actorloki@host:port.
        var seeds = cluster.SeedNodes.Select(s => new Uri(s)).ToList();
        var errors = await Task.WhenAll(seeds.Select(s => ConnectAsync(s.IdnHost, s.Port, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < seeds.Count; i++)
        {
            var (host, port) = (seeds[i].IdnHost, seeds[i].Port);
            if (errors[i] is { } error)
            {
                Fail($"reach seed node {cluster.SeedNodes[i]}", Diagnosis.Unreachable($"{host}:{port} (remoting)", error, [port], $"the seed node {host}", BetweenReplicas(cluster)));
            }
            else
            {
                Pass($"reach seed node {cluster.SeedNodes[i]}: TCP {host}:{port} connected");
            }
        }
    }

    /// <summary>
    /// Lists the replicas as <see cref="PodServiceDiscovery"/> does, says which of them the seed-node discovery would
    /// take and which it would skip for want of the remoting port, and connects to each other replica's remoting port.
    /// </summary>
    private async Task CheckBootstrapAsync(KubernetesClient client, string ns, ClusterSettings cluster, CancellationToken cancellationToken)
    {
        var bootstrap = cluster.Bootstrap;
        var what = $"list replica pods in {ns} ({bootstrap.PodLabelSelector})";
        var list = await AttemptAsync(ct => client.ListPodsAsync(ns, bootstrap.PodLabelSelector, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        if (list.Error is not null)
        {
            Fail(what, Diagnosis.ForKubernetes(list.Error, "list", "pods", ns, _timeout));
            return;
        }

        var pods = list.Value!.Items ?? [];
        var running = pods.Where(PodServiceDiscovery.IsReachable).ToList();
        var replicas = running.Select(p => (Pod: p, Remoting: PortNamed(p, bootstrap.PortName))).Where(r => r.Remoting is not null).Select(r => (r.Pod, Remoting: r.Remoting!.Value)).ToList();

        var self = environment.GetVariable("POD_NAME") ?? environment.GetVariable("HOSTNAME");
        var notRunning = pods.Count - running.Count;
        var found = $"{what}: {Count(replicas.Count, "replica")} Running with a pod IP and port \"{bootstrap.PortName}\""
            + (replicas.Count > 0 ? $" ({string.Join(", ", replicas.Select(r => r.Pod.Metadata?.Name == self ? $"{self}, this one" : r.Pod.Metadata?.Name))})" : "")
            + (notRunning > 0 ? $"; {notRunning} more not Running or terminating" : "");
        Pass(found);
        foreach (var pod in running.Where(p => PortNamed(p, bootstrap.PortName) is null))
        {
            Fail($"replica pod {pod.Metadata?.Name}", Diagnosis.NoRemotingPort(bootstrap, cluster.Port));
        }

        if (replicas.Count < bootstrap.RequiredContactPoints)
        {
            Note($"fewer than cluster.bootstrap.required-contact-points = {bootstrap.RequiredContactPoints}: a new cluster forms only once that many replicas find each other "
                + "(an existing cluster takes any); a rollout or a scale-up may be under way: run check again once the replicas are Running");
        }

        var others = replicas.Where(r => r.Pod.Metadata?.Name != self).ToList();
        var reached = await Task.WhenAll(others.Select(r => ConnectAsync(r.Pod.Status!.PodIP!, r.Remoting, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < others.Count; i++)
        {
            var (pod, remoting) = others[i];
            var name = pod.Metadata?.Name;
            var ip = pod.Status!.PodIP!;
            if (reached[i] is { } error)
            {
                Fail($"reach replica {name} ({ip})", Diagnosis.Unreachable($"{ip}:{remoting} (remoting, port \"{bootstrap.PortName}\")", error, [remoting], $"pod {name}", BetweenReplicas(cluster)));
            }
            else
            {
                Pass($"reach replica {name} ({ip}): remoting {remoting}");
            }
        }
    }

    /// <summary>The pods the replicas' NetworkPolicy must let talk to each other, as the settings select them.</summary>
    private static string BetweenReplicas(ClusterSettings cluster) =>
        cluster.SeedNodes.Count == 0 ? $"the pods labelled {cluster.Bootstrap.PodLabelSelector}" : "the replicas";

    private static int? PortNamed(Pod pod, string name) => PodServiceDiscovery.PortNamed(pod, name);

    /// <summary>Opens and closes a TCP connection; null when it connected, else why not.</summary>
    private async Task<string?> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {ConnectTimeout.TotalSeconds:0.#} s (packets dropped: a NetworkPolicy or firewall?)";
        }
    }

    // ---- positions, one ConfigMap per shard ------------------------------------------------------------

    /// <summary>
    /// Reads the single-replica ConfigMap (only reads: it seeds the shards), reads every shard's ConfigMap and
    /// writes back those that exist. One summary line, and a line for each ConfigMap that fails.
    /// </summary>
    private async Task CheckShardedPositionsAsync(KubernetesClient client, string ns, CancellationToken cancellationToken)
    {
        var positions = settings.Positions;
        ShardedConfigMapPositionsStore store;
        try
        {
            store = new ShardedConfigMapPositionsStore(client, ns, positions.ConfigMapName, settings.Cluster.Shards);
        }
        catch (ArgumentOutOfRangeException)
        {
            Fail("positions ConfigMaps", new Diagnosis($"cluster.shards = {settings.Cluster.Shards} is more than one ConfigMap per shard allows", ["lower cluster.shards (32 by default)"]));
            return;
        }

        var single = $"positions ConfigMap {ns}/{positions.ConfigMapName}";
        var read = await AttemptAsync(ct => client.TryGetConfigMapAsync(ns, positions.ConfigMapName, ct), cancellationToken).ConfigureAwait(false);
        var seedFrom = false;
        switch (read)
        {
            case { Error: { } error }:
                Fail($"read {single} (single-replica, seeds the shards)", Diagnosis.ForKubernetes(error, "get", "configmaps", ns, _timeout));
                break;
            case { Value: null }:
                Pass($"read {single} (single-replica, read only): does not exist; the shards start without positions carried over");
                break;
            case { Value: { } existing }:
                seedFrom = true;
                Pass($"read {single} (single-replica, read only): {Describe(existing, single)}; it seeds each shard whose ConfigMap does not exist yet");
                break;
        }

        var shards = await Task.WhenAll(Enumerable.Range(0, store.ShardCount).Select(shard => CheckShardAsync(client, ns, store.NameOf(shard), cancellationToken))).ConfigureAwait(false);
        foreach (var failed in shards.Where(s => s.Failure is not null))
        {
            Fail(failed.Failure!.Value.What, failed.Failure.Value.Diagnosis);
        }

        var passed = shards.Where(s => s.Failure is null).ToList();
        if (passed.Count == 0)
        {
            return;
        }

        var existingCount = passed.Count(s => s.Streams is not null);
        var missing = passed.Count - existingCount;
        var conflicts = passed.Count(s => s.Conflict);
        var range = $"{ns}/{store.NameOf(0)} … {store.NameOf(store.ShardCount - 1)}";
        var created = $"the shipper creates each when it first saves that shard, {(seedFrom ? $"seeded from {positions.ConfigMapName}" : "empty")} (check creates none)";
        var found = new List<string>();
        if (existingCount > 0)
        {
            found.Add($"{existingCount} exist ({Count(passed.Sum(s => s.Streams ?? 0), "stream position")}), read and written back unchanged"
                + (conflicts > 0 ? $" ({conflicts} changed meanwhile, so nothing was written)" : ""));
        }

        if (missing > 0)
        {
            found.Add($"{(existingCount > 0 ? missing.ToString(CultureInfo.InvariantCulture) : "none")} {(existingCount > 0 ? "do not exist" : "exists")} yet: {created}");
        }

        var summary = $"positions ConfigMaps {range} ({Count(store.ShardCount, "shard")}{(passed.Count < shards.Length ? $", {passed.Count} of them fine" : "")}): {string.Join("; ", found)}";
        Pass(summary);
    }

    /// <summary>One shard's ConfigMap: read, then written back unchanged when it exists; a missing one is left missing.</summary>
    private async Task<ShardCheck> CheckShardAsync(KubernetesClient client, string ns, string name, CancellationToken cancellationToken)
    {
        var description = $"positions ConfigMap {ns}/{name}";
        var read = await AttemptAsync(ct => client.TryGetConfigMapAsync(ns, name, ct), cancellationToken).ConfigureAwait(false);
        if (read.Error is not null)
        {
            return new ShardCheck(null, false, ($"read {description}", Diagnosis.ForKubernetes(read.Error, "get", "configmaps", ns, _timeout)));
        }

        if (read.Value is not { } existing)
        {
            return new ShardCheck(null, false, null);
        }

        int streams;
        try
        {
            streams = StreamsIn(existing, description);
        }
        catch (FormatException e)
        {
            return new ShardCheck(null, false, ($"read {description}", Diagnosis.CorruptShard(e.Message, ns, name)));
        }

        var write = await AttemptAsync(ct => client.UpdateConfigMapAsync(ns, existing, ct), cancellationToken).ConfigureAwait(false);
        return write.Error switch
        {
            null => new ShardCheck(streams, false, null),
            KubernetesConflictException => new ShardCheck(streams, true, null),
            _ => new ShardCheck(streams, false, ($"write {description}", Diagnosis.ForKubernetes(write.Error, "update", "configmaps", ns, _timeout))),
        };
    }

    private static string Describe(V1ConfigMap configMap, string description)
    {
        try
        {
            return Count(StreamsIn(configMap, description), "stream position");
        }
        catch (FormatException e)
        {
            return $"unreadable, so nothing is carried over ({e.Message})";
        }
    }

    /// <summary>What one shard's check found: its stream positions (null: it does not exist), a 409 on write-back, or what failed.</summary>
    private sealed record ShardCheck(int? Streams, bool Conflict, (string What, Diagnosis Diagnosis)? Failure);
}
