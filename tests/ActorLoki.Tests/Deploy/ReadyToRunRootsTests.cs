using System.Xml.Linq;
using ActorLoki.Tests.Hosting;

namespace ActorLoki.Tests.Deploy;

/// <summary>
/// The image's composite ReadyToRun image compiles in full every assembly listed in src/ActorLoki/ReadyToRun.targets,
/// and of the rest (the framework's and the packages' that nothing loads) only what those call: an assembly the
/// executable loads but the list misses would run JIT-compiled, and start-up at a quarter of a CPU would pay for it.
/// Checked on the real executable (<c>actorloki demo</c>, single replica and cluster) by the files it maps.
/// </summary>
public sealed class ReadyToRunRootsTests
{
    [Fact]
    public async Task Every_assembly_a_single_replica_loads_is_compiled_in_full_in_the_image()
    {
        var mapped = await DemoProcess.SingleReplicaAsync();

        Assemblies(mapped).Should().Contain("System.Private.CoreLib.dll").And.BeSubsetOf(Roots(), "ReadyToRun.targets lists every assembly the shipper loads");
    }

    [Fact]
    public async Task A_cluster_node_runs_the_framework_precompiled_and_JIT_compiles_only_the_cluster_packages()
    {
        var mapped = await DemoProcess.ClusterNodeAsync();

        var roots = Roots();
        mapped.Where(IsFramework).Select(Path.GetFileName).Should().BeSubsetOf(roots, "ReadyToRun.targets lists every framework assembly a cluster node loads");
        Assemblies(mapped).Except(roots).Should().Contain("Akka.Remote.dll")
            .And.OnlyContain(name => name.StartsWith("Akka.", StringComparison.Ordinal) || name.StartsWith("DotNetty.", StringComparison.Ordinal),
                "only the cluster's packages are left out: a single replica never loads them, and their code in the image would cost it resident memory");
    }

    [Fact]
    public void Only_a_self_contained_publish_is_composite_and_runs_without_tiering()
    {
        var project = XDocument.Parse(Repository.Read("src/ActorLoki/ActorLoki.csproj"));
        var composite = project.Descendants("PublishReadyToRunComposite").Single();

        composite.Value.Should().Be("true");
        composite.Attribute("Condition")!.Value.Should().Contain("'$(SelfContained)' == 'true'", "a framework-dependent publish cannot compile the framework with the application");
        project.Descendants("Import").Select(i => i.Attribute("Project")!.Value).Should().Contain("ReadyToRun.targets");
        var tiering = project.Descendants("TieredCompilation").Single();
        tiering.Value.Should().Be("false", "precompiled code is not compiled a second time");
        tiering.Attribute("Condition")!.Value.Should().Be("'$(PublishReadyToRunComposite)' == 'true'", "the JIT build keeps tiering: without it every method is compiled fully optimised at start-up");
    }

    private static bool IsFramework(string path) =>
        path.Contains("/shared/Microsoft.NETCore.App/", StringComparison.Ordinal) || path.Contains("/shared/Microsoft.AspNetCore.App/", StringComparison.Ordinal);

    /// <summary>The assemblies mapped (ActorLoki's, its packages' and the framework's), by file name.</summary>
    private static IEnumerable<string> Assemblies(IEnumerable<string> mapped) =>
        mapped.Select(Path.GetFileName).Distinct(StringComparer.Ordinal)!;

    private static HashSet<string> Roots() =>
        XDocument.Parse(Repository.Read("src/ActorLoki/ReadyToRun.targets")).Descendants("PublishReadyToRunCompositeRoots")
            .Select(root => root.Attribute("Include")!.Value)
            .ToHashSet(StringComparer.Ordinal);
}
