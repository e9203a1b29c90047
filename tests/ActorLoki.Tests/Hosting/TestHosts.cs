using ActorLoki.Hosting;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Tests.Hosting;

/// <summary>A <see cref="ShipperHost"/> between a simulated namespace and a Loki receiver, its endpoints on 127.0.0.1 and a free port.</summary>
internal static class TestHosts
{
    /// <param name="overrides">Settings under <c>actorloki.</c>, applied last.</param>
    public static ShipperHost Create(KubernetesSimulator kube, LokiReceiver loki, ILoggerFactory loggerFactory, params (string Key, string Value)[] overrides)
    {
        var ns = kube.Cluster.DefaultNamespace;
        var settings = ActorLokiConfiguration.Load(new ConfigurationSources
        {
            CommandLine =
            [
                new("actorloki.kubernetes.namespaces", $"[{ns}]"),
                new("actorloki.loki.url", loki.PushUrl.ToString()),
                new("actorloki.loki.batch.max-wait", "100ms"),
                new("actorloki.positions.store", "memory"),
                new("actorloki.http.host", "127.0.0.1"),
                .. overrides.Select(o => new KeyValuePair<string, string>("actorloki." + o.Key, o.Value)),
            ],
        }).GetSettingsOrThrow();
        return ShipperHost.Create(
            settings,
            loggerFactory,
            options => options with
            {
                KubernetesConfiguration = new KubernetesClientConfiguration
                {
                    Server = kube.BaseAddress,
                    Namespace = ns,
                    Credentials = KubernetesCredentials.Token(kube.Tokens.Current),
                },
                PositionsStore = new MemoryPositionsStore(),
            },
            new ShipperHostOptions { AnyFreePort = true, HandleTerminationSignals = false });
    }
}
