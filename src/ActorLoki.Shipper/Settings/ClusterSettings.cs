namespace ActorLoki.Shipper.Settings;

/// <summary>
/// <c>actorloki.cluster</c>: several replicas sharing one namespace's streams over Akka.Cluster. Off by
/// default, and then nothing of Akka.Remote or Akka.Cluster is configured or loaded.
/// </summary>
public sealed record ClusterSettings
{
    public required bool Enabled { get; init; }

    /// <summary>The address other nodes reach this one at; empty takes POD_IP.</summary>
    public required string Hostname { get; init; }

    /// <summary>Akka remoting's TCP port; 0 takes any free port (tests).</summary>
    public required int Port { get; init; }

    /// <summary>Static seed nodes (akka.tcp://actorloki@host:port); empty finds them among the pods (<c>SeedNodeDiscovery</c>).</summary>
    public required IReadOnlyList<string> SeedNodes { get; init; }

    public required ClusterBootstrapSettings Bootstrap { get; init; }

    /// <summary>Shards the streams are spread over; fixed for the deployment's life (the positions ConfigMaps follow it).</summary>
    public required int Shards { get; init; }

    /// <summary>Time a node that hands a stream over has to push its lines and save its position.</summary>
    public required TimeSpan HandOffTimeout { get; init; }

    /// <summary>How often the coordinator makes sure every stream that must exist has its entity.</summary>
    public required TimeSpan EnsureInterval { get; init; }

    public required SplitBrainSettings SplitBrainResolver { get; init; }
}

/// <summary><c>actorloki.cluster.bootstrap</c>: how replicas find each other when there are no seed nodes.</summary>
public sealed record ClusterBootstrapSettings
{
    /// <summary>Label selector of ActorLoki's own pods in its namespace.</summary>
    public required string PodLabelSelector { get; init; }

    /// <summary>The container port (by name) of Akka remoting in those pods.</summary>
    public required string PortName { get; init; }

    /// <summary>Contact points that must be found before a new cluster is formed.</summary>
    public required int RequiredContactPoints { get; init; }

    /// <summary>How long the set of contact points must stay unchanged before a new cluster is formed.</summary>
    public required TimeSpan StableMargin { get; init; }
}

/// <summary><c>actorloki.cluster.split-brain-resolver</c>: Akka's split-brain resolver.</summary>
public sealed record SplitBrainSettings
{
    /// <summary>keep-majority (the only strategy offered: lease-majority needs a lease implementation).</summary>
    public required SplitBrainStrategy ActiveStrategy { get; init; }

    /// <summary>How long membership must be stable before the resolver downs the unreachable side.</summary>
    public required TimeSpan StableAfter { get; init; }
}

/// <summary>The split-brain strategies offered: keep-majority (lease-majority would need a lease implementation).</summary>
public enum SplitBrainStrategy
{
    KeepMajority,
}
