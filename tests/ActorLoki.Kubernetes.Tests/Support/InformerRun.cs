using System.Threading.Channels;
using ActorLoki.Kubernetes.Informers;

namespace ActorLoki.Kubernetes.Tests.Support;

/// <summary>A running informer whose events go to a channel the test reads with bounded waits.</summary>
internal sealed class InformerRun : IAsyncDisposable
{
    private readonly Channel<PodEvent> _events = Channel.CreateUnbounded<PodEvent>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;

    public InformerRun(KubernetesClient client, PodInformerOptions options)
    {
        Informer = new PodInformer(client, options, (e, cancel) => _events.Writer.WriteAsync(e, cancel));
        _task = Informer.RunAsync(_stop.Token);
    }

    public PodInformer Informer { get; }

    public async Task<List<(PodEventType, string, bool)>> NextAsync(int count) =>
        [.. (await NextRawAsync(count)).Select(e => (e.Type, e.Pod.Metadata!.Name!, e.FromRelist))];

    public async Task<List<PodEvent>> NextRawAsync(int count)
    {
        var events = new List<PodEvent>();
        using var timeout = new CancellationTokenSource(Wait.Limit);
        while (events.Count < count)
        {
            events.Add(await _events.Reader.ReadAsync(timeout.Token));
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _task.WaitAsync(Wait.Limit);
        _stop.Dispose();
    }
}
