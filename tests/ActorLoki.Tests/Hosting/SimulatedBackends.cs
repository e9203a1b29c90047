using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;

namespace ActorLoki.Tests.Hosting;

/// <summary>A simulated API server (namespace <see cref="Ns"/>) and a Loki receiver on 127.0.0.1, started for each test.</summary>
public abstract class SimulatedBackends : IAsyncLifetime
{
    protected const string Ns = "shop";

    protected KubernetesSimulator Kube { get; private set; } = null!;

    protected LokiReceiver Loki { get; private set; } = null!;

    /// <summary>The user the simulator's token authenticates as (it appears in 403 messages).</summary>
    protected virtual string User => "system:serviceaccount:default:actorloki";

    public virtual async Task InitializeAsync()
    {
        Kube = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = Ns, User = User });
        Loki = await LokiReceiver.StartAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Loki.DisposeAsync();
        await Kube.DisposeAsync();
    }
}
