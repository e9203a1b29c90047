using ActorLoki.Loki;
using ActorLoki.Simulator.Loki;

namespace ActorLoki.Shipper.Tests.Pipeline;

/// <summary>A TestKit with the Loki-compatible receiver on 127.0.0.1 and a client pushing to it.</summary>
public abstract class LokiTestKit(bool virtualTime = false) : ShipperTestKit(virtualTime), IAsyncLifetime
{
    protected LokiReceiver Loki { get; private set; } = null!;

    protected LokiClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Loki = await LokiReceiver.StartAsync();
        Client = new LokiClient(new LokiClientOptions { Url = Loki.PushUrl, Timeout = TimeSpan.FromSeconds(5) });
    }

    public virtual async Task DisposeAsync()
    {
        await Sys.Terminate();
        Client.Dispose();
        await Loki.DisposeAsync();
    }
}
