using System.Net;
using System.Text.Json;
using ActorLoki.Metrics;
using ActorLoki.Shipper;
using ActorLoki.Shipper.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
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
    private readonly WebApplication _app;

    private ShipperHost(WebApplication app) => _app = app;

    /// <summary>Where the endpoints listen (useful with port 0), or null when they are disabled.</summary>
    public Uri? EndpointAddress { get; private set; }

    public ShipperService Service => _app.Services.GetRequiredService<ShipperService>();

    public IServiceProvider Services => _app.Services;

    /// <summary>Builds the host; <paramref name="configure"/> can replace parts of the runtime (tests, the demo).</summary>
    public static ShipperHost Create(ActorLokiSettings settings, ILoggerFactory loggerFactory, Func<ShipperRuntimeOptions, ShipperRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "actorloki" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));

        // ASP.NET Core's own request logs are noise for a log shipper; its warnings and errors still show.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o =>
        {
            // The drain has its own deadline; the host gives it that long plus a margin before giving up.
            o.ShutdownTimeout = settings.Shutdown.DrainDeadline + TimeSpan.FromSeconds(10);
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (settings.Http.Port > 0 || settings.Http.Host is "127.0.0.1" or "localhost")
            {
                kestrel.Listen(ParseAddress(settings.Http.Host), settings.Http.Port);
            }
        });
        builder.Services.AddSingleton(new PrometheusExporter());
        builder.Services.AddSingleton(sp => new ShipperService(settings, loggerFactory, sp.GetRequiredService<IHostApplicationLifetime>(), configure));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShipperService>());

        var app = builder.Build();
        MapEndpoints(app, settings);
        return new ShipperHost(app);
    }

    /// <summary>Starts the endpoints and the shipper; returns once both are running.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
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

    private static IPAddress ParseAddress(string host) => host switch
    {
        "" or "*" or "0.0.0.0" => IPAddress.Any,
        "localhost" => IPAddress.Loopback,
        "::" => IPAddress.IPv6Any,
        _ => IPAddress.Parse(host),
    };

    private static void MapEndpoints(WebApplication app, ActorLokiSettings settings)
    {
        app.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Render(), PrometheusExporter.ContentType));

        app.MapGet("/healthz", (ShipperService service) => service.Runtime is { WhenTerminated.IsCompleted: false }
            ? Results.Text("ok\n")
            : Results.Text("the actor system is not running\n", statusCode: StatusCodes.Status503ServiceUnavailable));

        app.MapGet("/readyz", async (ShipperService service, CancellationToken cancellationToken) =>
        {
            var readiness = await service.ReadinessAsync(settings.Http.ReadyPushWindow, cancellationToken);
            return Results.Text(readiness.Reason + "\n", statusCode: readiness.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

        app.MapGet("/debug/actors", (ShipperService service) => service.Runtime is { } runtime
            ? Results.Text(JsonSerializer.Serialize(runtime.System.GetActorTree(), DebugJson.Options), "application/json")
            : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));

        app.MapGet("/debug/streams", async (ShipperService service, CancellationToken cancellationToken) => service.Runtime is { } runtime
            ? Results.Text(JsonSerializer.Serialize((await runtime.GetStreamsAsync(cancellationToken)).Tails, DebugJson.Options), "application/json")
            : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
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

/// <summary>JSON for the debug endpoints (reflection-based: they are for people, not a hot path).</summary>
internal static class DebugJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
