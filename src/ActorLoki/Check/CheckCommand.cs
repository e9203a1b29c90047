using System.CommandLine;
using ActorLoki.Cli;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Logging;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Check;

/// <summary><c>actorloki check</c>: see <see cref="Preflight"/>.</summary>
public static class CheckCommand
{
    /// <param name="kubernetesEnvironment">
    /// Where the Kubernetes credentials and the downward API's variables (POD_NAME, POD_NAMESPACE, POD_IP) are read:
    /// the machine's by default, one of their own in tests.
    /// </param>
    public static Command Create(
        TextWriter output, TextWriter error, Func<IReadOnlyDictionary<string, string>> environment, KubernetesEnvironment? kubernetesEnvironment = null)
    {
        var check = new Command(
            "check",
            "Can ActorLoki reach the API server, list and watch pods, read their logs, keep its positions and push to Loki? "
            + "One ✓ or ✗ line per check, each ✗ with its fix (exit 1 when any fails).");
        var options = ConfigOptions.ForShipper();
        options.Flag("--dry-run", "actorloki.check.dry-run", "Probe Loki with an empty push that stores nothing, instead of pushing a test line.");
        options.Setting("--timeout", "actorloki.check.timeout", "DURATION", "Time allowed for each check, e.g. 10s.");
        options.AddTo(check);
        check.SetAction((parseResult, cancellationToken) => RunAsync(options.ToSources(parseResult, environment()), kubernetesEnvironment ?? KubernetesEnvironment.System, output, error, cancellationToken));
        return check;
    }

    private static async Task<int> RunAsync(
        ConfigurationSources sources, KubernetesEnvironment kubernetesEnvironment, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var config = ActorLokiConfiguration.Load(sources);
        await output.WriteLineAsync($"actorloki check ({config.ConfigFile ?? "no configuration file: defaults, environment and options"})").ConfigureAwait(false);
        ConfigCommand.WriteProblems(output, config);
        if (config.Settings is not { } settings)
        {
            await output.WriteLineAsync($"✗ configuration: {config.Errors.Count()} error(s) above; `actorloki config validate` lists them too").ConfigureAwait(false);
            return 1;
        }

        // The clients' own logs would repeat each ✗; they show (on standard error) only when asked for at Debug.
        var logging = settings.Logging.Level <= ShipperLogLevel.Debug ? settings.Logging : settings.Logging with { Level = ShipperLogLevel.Fatal };
        var (loggerFactory, serilog) = ActorLokiLogging.Create(logging, error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
        try
        {
            return await new Preflight(settings, output, kubernetesEnvironment, loggerFactory).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            loggerFactory.Dispose();
            await serilog.DisposeAsync().ConfigureAwait(false);
        }
    }
}
