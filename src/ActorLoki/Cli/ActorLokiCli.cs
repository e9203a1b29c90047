using System.CommandLine;
using System.Reflection;
using ActorLoki.Check;
using ActorLoki.Demo;
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
            "ActorLoki ships the logs of every container in a Kubernetes namespace to Grafana Loki, through the Kubernetes API alone.\n\n"
            + "  actorloki demo     see it work, against a simulated namespace and Loki in this process\n"
            + "  actorloki check    before deploying, or when something is wrong: what works and how to fix what does not\n"
            + "  actorloki          ship (the same as `actorloki run`)\n\n"
            + "Settings come from reference.conf, your HOCON file (--config or $ACTORLOKI_CONFIG), ACTORLOKI__... environment\n"
            + "variables and --set KEY=VALUE, in that order. Every option is a shortcut for the setting named after it.");

        root.Add(RunCommand.Create(output, error, HoconEnvironment.Process));
        root.Add(DemoCommand.Create(output, error, HoconEnvironment.Process));
        root.Add(CheckCommand.Create(output, error, HoconEnvironment.Process));
        root.Add(ConfigCommand.Create(output, error, HoconEnvironment.Process));
        var version = new Command("version", "Print the version of actorloki.");
        var runtime = new Option<bool>("--runtime") { Description = "Also print the .NET runtime and the GC settings in effect (from actorloki.runtimeconfig.json and DOTNET_ variables)." };
        version.Add(runtime);
        version.SetAction(parseResult =>
        {
            output.WriteLine(Version);
            if (parseResult.GetValue(runtime))
            {
                WriteRuntime(output);
            }

            return 0;
        });
        root.Add(version);
        RunCommand.MakeDefault(root, output, error, HoconEnvironment.Process);

        return root;
    }

    /// <summary>The runtime and the GC's configuration as the GC itself reports it, one <c>Name = value</c> per line.</summary>
    private static void WriteRuntime(TextWriter output)
    {
        output.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} processors");
        foreach (var (name, value) in GC.GetConfigurationVariables().OrderBy(static v => v.Key, StringComparer.Ordinal))
        {
            output.WriteLine(FormattableString.Invariant($"{name} = {value}"));
        }
    }

    public static Task<int> InvokeAsync(
        IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = Build(output, error);
        // Signals are not System.CommandLine's to handle: `run` drains through the host's lifetime, `demo` stops
        // writing and accounts, other commands end at once.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }
}
