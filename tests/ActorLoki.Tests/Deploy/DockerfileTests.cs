using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorLoki.Tests.Deploy;

/// <summary>No Docker engine runs here: the Dockerfile is checked by reading it, instruction by instruction.</summary>
public sealed partial class DockerfileTests
{
    private sealed record Instruction(string Keyword, string Arguments);

    private sealed record Stage(string Image, string? Name, IReadOnlyList<Instruction> Instructions)
    {
        public IEnumerable<string> All(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

        public string? Last(string keyword) => All(keyword).LastOrDefault();
    }

    /// <summary>The Dockerfile's stages: comments dropped, continuation lines joined.</summary>
    private static IReadOnlyList<Stage> Stages()
    {
        var text = Regex.Replace(Repository.Read("Dockerfile"), @"\\\r?\n", " ");
        var stages = new List<Stage>();
        var instructions = new List<Instruction>();
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var instruction = new Instruction(line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
            if (instruction.Keyword == "FROM")
            {
                var from = FromPattern().Match(instruction.Arguments);
                instructions = [];
                stages.Add(new Stage(from.Groups["image"].Value, from.Groups["name"].Success ? from.Groups["name"].Value : null, instructions));
            }

            instructions.Add(instruction);
        }

        return stages;
    }

    private static string[] JsonArray(string arguments) => JsonSerializer.Deserialize<string[]>(arguments)!;

    [Fact]
    public void The_image_is_built_with_the_NET_10_SDK_and_runs_self_contained_on_the_chiseled_runtime_deps_image()
    {
        var stages = Stages();

        stages.Should().HaveCountGreaterThanOrEqualTo(2, "a multi-stage build: the SDK never ships");
        stages[0].Image.Should().Be("mcr.microsoft.com/dotnet/sdk:10.0");
        stages[^1].Image.Should().Be("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled", "the runtime travels with the application");
        stages[^1].All("COPY").Should().OnlyContain(c => c.StartsWith($"--from={stages[0].Name} ", StringComparison.Ordinal), "the runtime stage takes only the published output");
        stages[^1].All("RUN").Should().BeEmpty("a chiseled image has no shell to run anything with");
        stages[0].All("RUN").Should().Contain(r => r.Contains("dotnet publish src/ActorLoki/ActorLoki.csproj", StringComparison.Ordinal)
            && r.Contains("--configuration Release", StringComparison.Ordinal)
            && r.Contains("--self-contained true", StringComparison.Ordinal)
            && r.Contains("--no-restore", StringComparison.Ordinal), "one composite ReadyToRun image with the framework (ReadyToRunRootsTests)");
        stages[0].All("RUN").Should().Contain(r => r.Contains("dotnet restore src/ActorLoki/ActorLoki.csproj", StringComparison.Ordinal)
            && r.Contains("-p:SelfContained=true", StringComparison.Ordinal), "the publish does not restore, so the restore fetches the runtime packs a self-contained publish needs");
    }

    [Fact]
    public void It_runs_actorloki_run_as_the_non_root_app_user_1654()
    {
        var runtime = Stages()[^1];

        runtime.Last("USER").Should().Be("1654", "by number, so that Kubernetes can verify runAsNonRoot");
        var command = JsonArray(runtime.Last("ENTRYPOINT")!).Concat(JsonArray(runtime.Last("CMD")!)).ToArray();
        command.Should().Equal("/app/actorloki", "run");
        runtime.Last("WORKDIR").Should().Be("/app");
        runtime.Last("EXPOSE").Should().Be("8080");
    }

    [Fact]
    public void It_works_with_a_read_only_root_filesystem()
    {
        var runtime = Stages()[^1];

        runtime.All("VOLUME").Should().BeEmpty("nothing is written in the image; positions live in a ConfigMap");
        runtime.All("ENV").Should().Contain("DOTNET_EnableDiagnostics=0", "the runtime's diagnostics socket would need a writable /tmp");
        // The benchmark measures the shipper with what the image sets (E2eOptions.ImageEnvironment): no GC variable, since
        // the GC's settings travel in the build's runtimeconfig.json (RuntimeSettingsTests).
        runtime.All("ENV").Should().NotContain(static e => e.StartsWith("DOTNET_GC", StringComparison.Ordinal));
        Repository.Read("Directory.Build.props").Should().Contain("<InvariantGlobalization>true</InvariantGlobalization>", "the chiseled image has no ICU");
    }

    [Fact]
    public void Every_project_the_executable_needs_is_copied_before_the_restore()
    {
        var build = Stages()[0];
        var beforeRestore = build.Instructions.TakeWhile(i => !(i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal))).ToList();
        var copied = beforeRestore.Where(i => i.Keyword == "COPY").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToHashSet();

        foreach (var project in ProjectsOf("src/ActorLoki/ActorLoki.csproj"))
        {
            copied.Should().Contain(project, "the restore layer needs every project file");
        }

        copied.Should().Contain(["global.json", "Directory.Build.props", "Directory.Packages.props"]);
        foreach (var file in copied)
        {
            File.Exists(Repository.PathOf(file)).Should().BeTrue($"{file} is copied, so it must exist");
        }
    }

    [Fact]
    public void The_dockerignore_keeps_build_output_tests_and_git_out_of_the_context()
    {
        var ignored = Repository.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        ignored.Should().Contain(["**/bin/", "**/obj/", ".git/", "tests/"]);
        ignored.Should().NotContain(i => i == "src/" || i == "global.json" || i.StartsWith("Directory.", StringComparison.Ordinal));
    }

    /// <summary>A project and every project it references, transitively, as repository-relative paths.</summary>
    private static IEnumerable<string> ProjectsOf(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(current)!;
            foreach (Match reference in ProjectReference().Matches(Repository.Read(current)))
            {
                pending.Push(Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(Repository.Root, directory, reference.Groups[1].Value))).Replace('\\', '/'));
            }
        }

        return seen;
    }

    [GeneratedRegex(@"^(--platform=\S+\s+)?(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromPattern();

    [GeneratedRegex(@"<ProjectReference Include=""([^""]+)""")]
    private static partial Regex ProjectReference();
}
