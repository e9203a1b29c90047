using System.CommandLine;
using ActorLoki.Hosting;
using ActorLoki.Kubernetes;
using ActorLoki.Logging;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Cli;

/// <summary><c>actorloki run</c> (the default command): ship the logs of the configured namespaces to Loki.</summary>
public static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error, Func<IReadOnlyDictionary<string, string>> environment)
    {
        var run = new Command("run", "Ship the logs of the configured namespaces to Loki until stopped; SIGTERM drains first. The default command.");
        var options = ConfigOptions.ForShipper();
        options.AddTo(run);
        run.SetAction((parseResult, cancellationToken) => RunAsync(options.ToSources(parseResult, environment()), output, error, cancellationToken));
        return run;
    }

    /// <summary>Adds the run options and action to the root command, so that plain <c>actorloki</c> runs.</summary>
    public static void MakeDefault(RootCommand root, TextWriter output, TextWriter error, Func<IReadOnlyDictionary<string, string>> environment)
    {
        var options = ConfigOptions.ForShipper();
        options.AddTo(root);
        root.SetAction((parseResult, cancellationToken) => RunAsync(options.ToSources(parseResult, environment()), output, error, cancellationToken));
    }

    private static async Task<int> RunAsync(ConfigurationSources sources, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var config = ActorLokiConfiguration.Load(sources);
        ConfigCommand.WriteProblems(error, config);
        if (config.Settings is not { } settings)
        {
            await error.WriteLineAsync("actorloki: not started; fix the configuration above (`actorloki config validate` checks it).");
            return 1;
        }

        var terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var (loggerFactory, serilog) = ActorLokiLogging.Create(settings.Logging, output, terminal);
        var global = ActorLokiLogging.UseAsGlobal(serilog); // Akka.Logger.Serilog writes Akka's events there
        try
        {
            await using var host = ShipperHost.Create(settings, loggerFactory);
            return await host.RunAsync(cancellationToken);
        }
        catch (Exception e) when (e is KubernetesConfigurationException or IOException or UnauthorizedAccessException)
        {
            // A failure before the shipper runs (no kubeconfig, no token, an unreadable file) is said plainly, once.
            serilog.Fatal("actorloki could not start: {Reason}", e.Message);
            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            serilog.Fatal(e, "actorloki could not start: {Reason}", e.Message);
            return 1;
        }
        finally
        {
            global.Dispose();
            loggerFactory.Dispose();
            await serilog.DisposeAsync();
        }
    }
}
