using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace ActorLoki.Hosting;

/// <summary>
/// Kestrel, started once the shipper has had its first push accepted (<paramref name="pushAccepted"/>), or after
/// <paramref name="limit"/> when Loki is not there yet. At a quarter of a CPU everything at start-up waits for the
/// CPU, and the endpoints (probes, scrapes, debugging) are not what the first lines wait for: starting Kestrel after
/// the first push brought launch-to-first-line from 3.3-3.7 s to a median of 2.9 s (docs/performance.md). Kubernetes probes
/// retry (the Deployment's startup probe allows a minute); until then a probe finds the port closed.
/// </summary>
internal sealed class DeferredServer(IServer inner, Func<bool> pushAccepted, TimeSpan limit) : IServer
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _started = Task.CompletedTask;

    public IFeatureCollection Features => inner.Features;

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        _started = StartWhenPushedAsync(application);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _started.ConfigureAwait(false);
        await inner.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        inner.Dispose();
    }

    private async Task StartWhenPushedAsync<TContext>(IHttpApplication<TContext> application)
        where TContext : notnull
    {
        var waited = Stopwatch.StartNew();
        try
        {
            while (waited.Elapsed < limit && !pushAccepted())
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping before the endpoints started: start them anyway, so that StopAsync stops a started server.
        }

        await inner.StartAsync(application, CancellationToken.None).ConfigureAwait(false);
    }
}
