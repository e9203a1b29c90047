namespace ActorLoki.Tests.Hosting;

/// <summary>
/// A single replica stays today's lean process: with <c>actorloki.cluster.enabled = off</c> (the default) the
/// executable never loads Akka.Remote or Akka.Cluster. Checked on the real executable (<c>actorloki demo</c>, which
/// runs the shipper through the same host as <c>run</c>) in a child process, by the files the process has mapped
/// (/proc/PID/maps lists every loaded assembly); the same check sees them loaded when clustering is on.
/// </summary>
public sealed class ClusterAssembliesTests
{
    [Fact]
    public async Task With_clustering_off_neither_Akka_Remote_nor_Akka_Cluster_is_loaded()
    {
        var mapped = FileNames(await DemoProcess.SingleReplicaAsync());

        mapped.Should().Contain("Akka.dll", "the actors run on Akka");
        mapped.Should().NotContain(["Akka.Remote.dll", "Akka.Cluster.dll", "Akka.Cluster.Sharding.dll", "Akka.Cluster.Tools.dll", "Akka.Discovery.dll"]);
    }

    [Fact]
    public async Task With_clustering_on_the_cluster_assemblies_are_loaded()
    {
        var mapped = FileNames(await DemoProcess.ClusterNodeAsync());

        mapped.Should().Contain(["Akka.Remote.dll", "Akka.Cluster.dll", "Akka.Cluster.Sharding.dll"]);
    }

    private static HashSet<string> FileNames(IEnumerable<string> paths) => paths.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal)!;
}
