using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ActorLoki.Metrics;
using ActorLoki.Shipper;
using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Settings;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Hosting;

/// <summary>
/// The <c>actorloki run</c> process: a generic host whose hosted service runs the shipper, and a small
/// Kestrel server for <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c> and <c>/debug/*</c>. SIGTERM (or
/// Ctrl-C) drains: no more reading, everything buffered pushed, positions saved, within the deadline.
/// </summary>
public sealed class ShipperHost : IAsyncDisposable
{
    /// <summary>
    /// Buckets of the end-to-end lag histogram, in seconds: fine around the batch wait (where a healthy shipper
    /// is), coarse up to an hour (an outage being caught up).
    /// </summary>
    public static readonly IReadOnlyList<double> EndToEndLagBuckets =
        [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private const string EndToEndLagName = "actorloki_end_to_end_lag_seconds";

    /// <summary>How long <c>actorloki run</c> waits for its first accepted push before it opens the endpoints anyway.</summary>
    public static readonly TimeSpan EndpointsStartLimit = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;

    private ShipperHost(WebApplication app) => _app = app;

    /// <summary>Where the endpoints listen (useful with port 0), or null when they are disabled.</summary>
    public Uri? EndpointAddress { get; private set; }

    public ShipperService Service => _app.Services.GetRequiredService<ShipperService>();

    /// <summary>What <c>/metrics</c> serves.</summary>
    public PrometheusExporter Metrics => _app.Services.GetRequiredService<PrometheusExporter>();

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds the host; <paramref name="configure"/> can replace parts of the runtime (tests, the demo), and
    /// <paramref name="options"/> says how the process around it behaves (signals, a free port).
    /// </summary>
    public static ShipperHost Create(
        ActorLokiSettings settings,
        ILoggerFactory loggerFactory,
        Func<ShipperRuntimeOptions, ShipperRuntimeOptions>? configure = null,
        ShipperHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        options ??= new ShipperHostOptions();
        // The empty builder: no configuration files or variables (ActorLoki's HOCON is the configuration; the slim
        // builder would read appsettings.json and watch it with inotify), no logging providers, Kestrel alone.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "actorloki" });
        builder.WebHost.UseKestrelCore();

        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));

        // ASP.NET Core's own request logs are noise for a log shipper; its warnings and errors still show.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        // A failed start is reported once, by the command, in its own words.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        builder.Services.Configure<HostOptions>(o =>
        {
            // The drain has its own deadline; the host gives it that long plus a margin before giving up.
            o.ShutdownTimeout = settings.Shutdown.DrainDeadline + TimeSpan.FromSeconds(10);
        });
        var port = options.AnyFreePort ? 0 : settings.Http.Port;
        var listen = port == 0 && !options.AnyFreePort ? null : ListenUrl(settings.Http.Host, port);
        if (listen is null)
        {
            // actorloki.http.port = 0: no endpoints at all (Kestrel would otherwise listen on its default port).
            builder.Services.AddSingleton<IServer, NoServer>();
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        if (listen is not null && options.HandleTerminationSignals && !options.AnyFreePort)
        {
            // `actorloki run`: the endpoints start after the first accepted push, at most EndpointsStartLimit later.
            var kestrel = builder.Services.Last(static d => d.ServiceType == typeof(IServer));
            builder.Services.Remove(kestrel);
            builder.Services.AddSingleton<IServer>(sp => new DeferredServer(
                (IServer)ActivatorUtilities.CreateInstance(sp, kestrel.ImplementationType!),
                () => sp.GetRequiredService<ShipperService>().Runtime is { Metrics.LastPushSuccess: not null },
                EndpointsStartLimit));
        }

        if (!options.HandleTerminationSignals)
        {
            // The caller (the demo, a test) decides when to stop; Ctrl-C and SIGTERM are not the host's to take.
            builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        }

        // Each host has its own meters (through the host's IMeterFactory), so /metrics shows this shipper alone.
        builder.Services.AddSingleton(sp =>
        {
            var meters = sp.GetRequiredService<IMeterFactory>();
            return new PrometheusExporter(
                // The .NET runtime's own meter too (GC heap, fragmentation, committed memory, thread pool): what
                // explains the process's memory and CPU next to ActorLoki's figures.
                meter => (meter.Scope == meters && meter.Name.StartsWith("ActorLoki", StringComparison.Ordinal)) || meter.Name == "System.Runtime",
                name => name == EndToEndLagName ? EndToEndLagBuckets : PrometheusExporter.DefaultBuckets);
        });
        builder.Services.AddSingleton(sp => new ShipperService(
            settings, loggerFactory, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<IMeterFactory>(), configure));

        // The actor system, built by Akka.Hosting: ActorLoki's Akka configuration (the user's akka section under
        // ActorLoki's required settings, Akka's events to Serilog), the shipper's tree from WithActors, and the
        // guardian in the ActorRegistry (IRequiredActor<ShipperGuardian>). Registered before ShipperService, so
        // Akka.Hosting starts first and stops last: the drain runs while the system is up.
        builder.Services.AddAkka(ShipperRuntime.SystemName, (akka, sp) => akka
            .AddHocon(ShipperAkkaConfig.Build(settings, ShipperAkkaConfig.SerilogLogger), HoconAddMode.Prepend)
            .WithActors((system, registry) => registry.Register<ShipperGuardian>(sp.GetRequiredService<ShipperService>().Attach(system))));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShipperService>());

        var app = builder.Build();
        if (listen is not null)
        {
            // Set here, the address wins over ASPNETCORE_URLS and ASPNETCORE_HTTP_PORTS (set by the .NET container
            // images), which are then not even looked at.
            app.Urls.Add(listen);
        }

        // Listening starts now, before the shipper records anything: a measurement nobody listens to is lost.
        app.Services.GetRequiredService<PrometheusExporter>();
        MapEndpoints(app, settings);
        return new ShipperHost(app);
    }

    /// <summary>Starts the endpoints and the shipper; returns once both are running.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        EndpointAddress = addresses?.FirstOrDefault() is { } address ? new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)) : null;
    }

    /// <summary>Runs until SIGTERM, Ctrl-C or an unrecoverable failure; the exit code says which.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await _app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return Service.ExitCode;
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    private static string ListenUrl(string host, int port)
    {
        var address = host switch
        {
            "" or "*" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.Parse(host),
        };
        var text = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return string.Create(CultureInfo.InvariantCulture, $"http://{text}:{port}");
    }

    private static void MapEndpoints(WebApplication app, ActorLokiSettings settings)
    {
        // One request handler over a table instead of routing and minimal APIs: six fixed paths need no route
        // table, and minimal APIs compile a request delegate per endpoint from expression trees and load routing,
        // results, validation and authorization on the first request (docs/performance.md, Start-up).
        var exporter = app.Services.GetRequiredService<PrometheusExporter>();
        var service = app.Services.GetRequiredService<ShipperService>();
        var endpoints = new Dictionary<string, Func<HttpContext, Task>>(StringComparer.OrdinalIgnoreCase)
        {
            ["/metrics"] = exporter.ServeAsync,
            ["/healthz"] = context => service.Runtime is { WhenTerminated.IsCompleted: false }
                ? TextAsync(context, StatusCodes.Status200OK, "ok\n")
                : TextAsync(context, StatusCodes.Status503ServiceUnavailable, "the actor system is not running\n"),
            ["/readyz"] = async context =>
            {
                var readiness = await service.ReadinessAsync(settings.Http.ReadyPushWindow, context.RequestAborted).ConfigureAwait(false);
                await TextAsync(context, readiness.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, readiness.Reason + "\n").ConfigureAwait(false);
            },
            ["/debug/actors"] = WithRuntime(service, (context, runtime) => JsonAsync(context, runtime.GetActorTree())),

            // Cluster mode: this node, the leader, the members and this node's shards with their entities; 404 when clustering is off.
            ["/debug/cluster"] = WithRuntime(service, async (context, runtime) => await (await runtime.GetClusterStatusAsync().ConfigureAwait(false) is { } cluster
                ? JsonAsync(context, cluster)
                : TextAsync(context, StatusCodes.Status404NotFound, "clustering is off (actorloki.cluster.enabled)\n")).ConfigureAwait(false)),
            ["/debug/streams"] = WithRuntime(service, async (context, runtime) =>
                await JsonAsync(context, (await runtime.GetStreamsAsync(context.RequestAborted).ConfigureAwait(false)).Tails).ConfigureAwait(false)),
        };
        app.Run(context => ServeAsync(context, endpoints));
    }

    /// <summary>
    /// <c>GET</c> on one of the endpoints, matched without case and with or without a trailing slash (as routing
    /// did); another method on one of them is 405, any other path 404.
    /// </summary>
    private static Task ServeAsync(HttpContext context, Dictionary<string, Func<HttpContext, Task>> endpoints)
    {
        var path = context.Request.Path.Value ?? "";
        if (!endpoints.TryGetValue(path.Length > 1 && path[^1] == '/' ? path[..^1] : path, out var serve))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET";
            return Task.CompletedTask;
        }

        return serve(context);
    }

    /// <summary>A debug endpoint: 503 until the shipper's runtime is there.</summary>
    private static Func<HttpContext, Task> WithRuntime(ShipperService service, Func<HttpContext, ShipperRuntime, Task> serve) =>
        context =>
        {
            if (service.Runtime is { } runtime)
            {
                return serve(context, runtime);
            }

            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        };

    private static Task TextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static Task JsonAsync<T>(HttpContext context, T value)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(value, DebugJson.Options), context.RequestAborted);
    }
}

/// <summary>Hands the host's loggers to ActorLoki's logger factory, so the host's filters apply on the way.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}

/// <summary>How the process around a <see cref="ShipperHost"/> behaves.</summary>
public sealed record ShipperHostOptions
{
    /// <summary>
    /// Stop on SIGTERM and Ctrl-C, draining first (<c>actorloki run</c>). False leaves stopping to the caller
    /// (<see cref="ShipperHost.StopAsync"/>): the demo and tests.
    /// </summary>
    public bool HandleTerminationSignals { get; init; } = true;

    /// <summary>Listen on <c>actorloki.http.host</c> with a free port instead of <c>actorloki.http.port</c> (tests, the demo).</summary>
    public bool AnyFreePort { get; init; }
}

/// <summary>A host lifetime that waits for nothing and handles no signal.</summary>
internal sealed class CallerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The server when the endpoints are disabled: it listens nowhere.</summary>
internal sealed class NoServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}

/// <summary>JSON for the debug endpoints (reflection-based: they are for people, not a hot path).</summary>
internal static class DebugJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
