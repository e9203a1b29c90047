using System.CommandLine;
using System.Reflection;
using ActorLoki.Hocon;

namespace ActorLoki.Cli;

/// <summary>
/// The command line of the <c>actorloki</c> executable. Built per invocation with the writers to
/// print to, so tests run commands in-process and read what a user would see.
/// </summary>
public static class ActorLokiCli
{
    /// <summary>The informational version of the executable (semantic version, plus commit when known).</summary>
    public static string Version { get; } =
        typeof(ActorLokiCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ActorLokiCli).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "ActorLoki ships the logs of every container in a Kubernetes namespace to Grafana Loki, through the Kubernetes API alone.");

        var version = new Command("version", "Print the version of actorloki.");
        version.SetAction(_ =>
        {
            output.WriteLine(Version);
            return 0;
        });
        root.Add(version);

        var demo = new Command("demo", "Run the real pipeline against a built-in simulated namespace and Loki receiver.");
        demo.SetAction(_ =>
        {
            error.WriteLine("actorloki demo: the pipeline is not built yet; nothing to run.");
            return 2;
        });
        root.Add(demo);

        root.Add(ConfigCommand.Create(output, error, HoconEnvironment.Process));
        root.Add(RunCommand.Create(output, error, HoconEnvironment.Process));
        RunCommand.MakeDefault(root, output, error, HoconEnvironment.Process);

        return root;
    }

    public static Task<int> InvokeAsync(
        IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = Build(output, error);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }
}
