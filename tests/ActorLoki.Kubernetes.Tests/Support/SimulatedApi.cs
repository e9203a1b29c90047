using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Testing;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Kubernetes.Tests.Support;

/// <summary>A simulated API server on 127.0.0.1 and a client connected to it with the simulator's token.</summary>
internal sealed class SimulatedApi : IAsyncDisposable
{
    public const string Namespace = "dev1";
    public const string User = "system:serviceaccount:dev1:actorloki";

    private SimulatedApi(KubernetesSimulator simulator, KubernetesClient client, CapturingLoggerFactory logs)
    {
        Simulator = simulator;
        Client = client;
        Logs = logs;
    }

    public KubernetesSimulator Simulator { get; }

    public SimulatedCluster Cluster => Simulator.Cluster;

    public KubernetesFaults Faults => Simulator.Faults;

    public KubernetesClient Client { get; }

    public CapturingLoggerFactory Logs { get; }

    public static async Task<SimulatedApi> StartAsync(
        KubernetesSimulatorOptions? options = null,
        KubernetesClientSettings? settings = null,
        TimeProvider? clientTime = null,
        Func<KubernetesSimulator, KubernetesClientConfiguration>? configure = null)
    {
        var simulator = await KubernetesSimulator.StartAsync((options ?? new KubernetesSimulatorOptions()) with { Namespace = Namespace, User = User });
        var configuration = configure?.Invoke(simulator) ?? new KubernetesClientConfiguration
        {
            Server = simulator.BaseAddress,
            Namespace = Namespace,
            Credentials = KubernetesCredentials.Token(simulator.Tokens.Current),
        };
        var logs = new CapturingLoggerFactory();
        return new SimulatedApi(simulator, new KubernetesClient(configuration, settings, logs, clientTime), logs);
    }

    public PodInfo CreatePod(string name, params string[] containers) =>
        Cluster.CreatePod(new PodSpecification(name) { Containers = containers.Length == 0 ? ["app"] : containers });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Simulator.DisposeAsync();
    }
}
