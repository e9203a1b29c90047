using System.CommandLine;
using System.Runtime.InteropServices;
using ActorLoki.Cli;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Demo;

/// <summary><c>actorloki demo</c>: see <see cref="DemoRunner"/>.</summary>
public static class DemoCommand
{
    public static Command Create(TextWriter output, TextWriter error, Func<IReadOnlyDictionary<string, string>> environment)
    {
        var demo = new Command(
            "demo",
            "See it work: the real pipeline against a simulated namespace and Loki in this process, a live summary, then an audit "
            + "of every line written (exit 0 only when each arrived exactly once).");
        var options = new ConfigOptions();
        options.Setting("--duration", "actorloki.demo.duration", "DURATION", "How long to write lines, e.g. 20s or 2m.");
        options.Setting("--loki-url", "actorloki.demo.loki-url", "URL", "Push to this Loki instead of the built-in receiver; the table then shows what it acknowledged.");
        options.Flag("--verbose", "actorloki.demo.verbose", "Show the shipper's own logs at actorloki.logging.level, not only its warnings.");
        options.Setting("--replicas", "actorloki.demo.replicas", "N", "Run N shipper nodes in one Akka cluster in this process (remoting on 127.0.0.1, positions in the simulated ConfigMaps); the last stops gracefully midway.");
        options.AddTo(demo);
        demo.SetAction((parseResult, cancellationToken) => RunAsync(options.ToSources(parseResult, environment()), output, error, cancellationToken));
        return demo;
    }

    private static async Task<int> RunAsync(ConfigurationSources sources, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var config = ActorLokiConfiguration.Load(sources);
        ConfigCommand.WriteProblems(error, config);
        if (config.Settings is not { } settings)
        {
            await error.WriteLineAsync("actorloki demo: not started; fix the configuration above.").ConfigureAwait(false);
            return 1;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = ReferenceEquals(output, Console.Out) ? new StopOnSignals(stop) : null;
        var logsToTerminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        try
        {
            return await new DemoRunner(settings, output, error, logsToTerminal).RunAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException)
        {
            await error.WriteLineAsync($"actorloki demo: could not run: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The first Ctrl-C (or SIGTERM) ends the writing and lets the demo account; a second one ends the process.</summary>
    private sealed class StopOnSignals : IDisposable
    {
        private readonly PosixSignalRegistration[] _registrations;

        public StopOnSignals(CancellationTokenSource stop) =>
            _registrations =
            [
                .. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = !stop.IsCancellationRequested;
                    stop.Cancel();
                })),
            ];

        public void Dispose()
        {
            foreach (var registration in _registrations)
            {
                registration.Dispose();
            }
        }
    }
}
