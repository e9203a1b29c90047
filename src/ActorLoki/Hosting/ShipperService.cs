using System.Diagnostics.Metrics;
using ActorLoki.Logging;
using ActorLoki.Shipper;
using ActorLoki.Shipper.Settings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Hosting;

/// <summary>
/// Runs the shipper as a hosted service: <see cref="StartAsync"/> returns as soon as the actor system is
/// up; <see cref="StopAsync"/> drains within <c>shutdown.drain-deadline</c>. If the actor system stops by
/// itself (an unrecoverable failure escalated to the top), the application stops with exit code 1.
/// </summary>
public sealed partial class ShipperService(
    ActorLokiSettings settings,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime,
    IMeterFactory meterFactory,
    Func<ShipperRuntimeOptions, ShipperRuntimeOptions>? configure) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("ActorLoki.Host");
    private readonly ActorLifecycleLog _lifecycle = new(loggerFactory);
    private int _stopping;

    public ShipperRuntime? Runtime { get; private set; }

    /// <summary>The actor lifecycle log of this shipper (tests look at what it knows).</summary>
    internal ActorLifecycleLog Lifecycle => _lifecycle;

    /// <summary>0 after a clean stop, 1 after an unrecoverable failure.</summary>
    public int ExitCode { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = new ShipperRuntimeOptions { Settings = settings, LoggerFactory = _lifecycle.LoggerFactory, MeterFactory = meterFactory };
        Runtime = ShipperRuntime.Start(configure is null ? options : configure(options));
        _lifecycle.Attach(Runtime.System.EventStream);
        _ = WatchAsync(Runtime);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _stopping, 1);
        if (Runtime is { } runtime)
        {
            await runtime.StopAsync(settings.Shutdown.DrainDeadline).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ready when every namespace has been listed and Loki has accepted a push recently — or there is
    /// nothing waiting to be pushed. A Loki that refuses everything (401, 403, down) makes it not ready.
    /// </summary>
    public async Task<(bool Ready, string Reason)> ReadinessAsync(TimeSpan pushWindow, CancellationToken cancellationToken)
    {
        if (Runtime is not { } runtime || runtime.WhenTerminated.IsCompleted)
        {
            return (false, "not running");
        }

        var status = await runtime.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        if (!status.AllSynced)
        {
            var waiting = string.Join(", ", status.Namespaces.Where(n => !n.Synced).Select(n => n.Namespace));
            return (false, $"pods not listed yet in {waiting}");
        }

        var lastPush = runtime.Metrics.LastPushSuccess;
        var waitingLines = status.Batcher is { BufferedBytes: > 0 };
        if (waitingLines && (lastPush is null || runtime.System.Settings.TimeProvider.GetUtcNow() - lastPush > pushWindow))
        {
            return (false, $"Loki has not accepted a push for {pushWindow} while lines are waiting");
        }

        return (true, "ready");
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _stopping, 1);
        if (Runtime is { } runtime)
        {
            await runtime.DisposeAsync().ConfigureAwait(false);
        }

        _lifecycle.Dispose();
    }

    private async Task WatchAsync(ShipperRuntime runtime)
    {
        await runtime.WhenTerminated.ConfigureAwait(false);
        if (Volatile.Read(ref _stopping) == 0)
        {
            ExitCode = 1;
            LogUnexpectedStop(_logger);
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Critical, Message = "The shipper stopped after an unrecoverable failure (see the errors above); exiting so that Kubernetes restarts it from its saved positions")]
    private static partial void LogUnexpectedStop(ILogger logger);
}
