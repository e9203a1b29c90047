using System.Diagnostics.Metrics;
using ActorLoki.Logging;
using ActorLoki.Shipper;
using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Settings;
using Akka.Actor;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Hosting;

/// <summary>
/// Runs the shipper as a hosted service over the actor system Akka.Hosting builds: Akka.Hosting's
/// <c>WithActors</c> calls <see cref="Attach"/>, which builds the shipper's tree in that system; this
/// service, registered after Akka.Hosting's, starts after it and stops before it. <see cref="StopAsync"/>
/// runs Akka's coordinated shutdown, whose first phase drains within <c>shutdown.drain-deadline</c> while every
/// actor still runs; Akka.Hosting's own stop then finds the system terminated. If the actor system stops by
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
    /// <summary>How often readiness is evaluated for the <c>actorloki_ready</c> gauge (and on every <c>/readyz</c>).</summary>
    private static readonly TimeSpan ReadinessInterval = TimeSpan.FromSeconds(10);

    private readonly ActorLifecycleLog _lifecycle = new(loggerFactory);
    private readonly CancellationTokenSource _stopped = new();
    private int _stopping;
    private int _ready;
    private int _disposed;

    public ShipperRuntime? Runtime { get; private set; }

    /// <summary>The actor lifecycle log of this shipper (tests look at what it knows).</summary>
    internal ActorLifecycleLog Lifecycle => _lifecycle;

    /// <summary>0 after a clean stop, 1 after an unrecoverable failure.</summary>
    public int ExitCode { get; private set; }

    /// <summary>Builds the shipper in the actor system of Akka.Hosting (from its <c>WithActors</c>); returns its guardian.</summary>
    public IActorRef Attach(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var options = new ShipperRuntimeOptions { Settings = settings, LoggerFactory = _lifecycle.LoggerFactory, MeterFactory = meterFactory };
        options = configure is null ? options : configure(options);

        // Installed here first (ShipperRuntime.Attach finds them) so that the lifecycle log sees the first actors start.
        var services = ActorServices.Install(system, new ActorServicesSetup { LoggerFactory = options.LoggerFactory, TimeProvider = options.TimeProvider, MeterFactory = options.MeterFactory });
        _lifecycle.Attach(services.Inspection);
        Runtime = ShipperRuntime.Attach(system, options);
        return Runtime.Guardian;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Runtime is null)
        {
            throw new InvalidOperationException("The shipper was not attached to an actor system: Akka.Hosting's WithActors must run first.");
        }

        var meter = meterFactory.Create("ActorLoki.Host");
        meter.CreateObservableGauge(
            "actorloki_ready",
            () => Volatile.Read(ref _ready),
            description: "1 when the shipper is ready (pods listed, Loki accepting pushes), else 0; what /readyz answers, evaluated every 10 s.");
        if (settings.Memory.Gen1Limit > 0)
        {
            var collections = meter.CreateCounter<long>("actorloki_gen1_collections_total", description: "Generation 1 collections run because gen1 held actorloki.memory.gen1-limit or more.");
            _ = new Gen1Limiter(settings.Memory.Gen1Limit, Runtime.Time, collections).RunAsync(_stopped.Token);
        }

        _ = WatchAsync(Runtime);
        _ = EvaluateReadinessAsync(Runtime.Time, _stopped.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _stopping, 1);
        await _stopped.CancelAsync().ConfigureAwait(false);
        Volatile.Write(ref _ready, 0);
        if (Runtime is { } runtime)
        {
            await runtime.StopAsync(settings.Shutdown.DrainDeadline).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ready when every namespace has been listed (in cluster mode: when this node is an Up member) and Loki
    /// has accepted a push recently — or there is nothing waiting to be pushed. A Loki that refuses everything (401, 403, down) makes it not ready.
    /// </summary>
    public async Task<(bool Ready, string Reason)> ReadinessAsync(TimeSpan pushWindow, CancellationToken cancellationToken)
    {
        var readiness = await EvaluateAsync(pushWindow, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _ready, readiness.Ready && Volatile.Read(ref _stopping) == 0 ? 1 : 0);
        return readiness;
    }

    private async Task<(bool Ready, string Reason)> EvaluateAsync(TimeSpan pushWindow, CancellationToken cancellationToken)
    {
        if (Runtime is not { } runtime || runtime.WhenTerminated.IsCompleted)
        {
            return (false, "not running");
        }

        var status = await runtime.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        if (runtime.Components.Settings.Cluster.Enabled)
        {
            // A cluster node follows what its shards hold; the pods are listed by the cluster's one coordinator.
            if (!runtime.IsClusterMemberUp)
            {
                return (false, "not an Up member of the ActorLoki cluster yet");
            }
        }
        else if (!status.AllSynced)
        {
            var waiting = string.Join(", ", status.Namespaces.Where(n => !n.Synced).Select(n => n.Namespace));
            return (false, $"pods not listed yet in {waiting}");
        }

        var lastPush = runtime.Metrics.LastPushSuccess;
        var waitingLines = status.Batcher is { BufferedBytes: > 0 };
        if (waitingLines && (lastPush is null || runtime.Time.GetUtcNow() - lastPush > pushWindow))
        {
            return (false, $"Loki has not accepted a push for {pushWindow} while lines are waiting");
        }

        return (true, "ready");
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as a hosted service, it is disposed by both registrations.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _stopping, 1);
        await _stopped.CancelAsync().ConfigureAwait(false);
        _stopped.Dispose();
        if (Runtime is { } runtime)
        {
            await runtime.DisposeAsync().ConfigureAwait(false);
        }

        _lifecycle.Dispose();
    }

    private async Task EvaluateReadinessAsync(TimeProvider time, CancellationToken stopped)
    {
        using var timer = new PeriodicTimer(ReadinessInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopped).ConfigureAwait(false))
            {
                try
                {
                    await ReadinessAsync(settings.Http.ReadyPushWindow, stopped).ConfigureAwait(false);
                }
                catch (Exception e) when (e is AskTimeoutException or TimeoutException)
                {
                    // The guardian did not answer: that is not ready.
                    Volatile.Write(ref _ready, 0);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
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
