using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace ActorLoki.Metrics;

/// <summary>
/// Temporary, for issue 17's comparison only: with ACTORLOKI_COMPARE_PROMETHEUS_NET=1 the host also serves the
/// same meters through prometheus-net's System.Diagnostics.Metrics adapter on <c>/metrics/prometheus-net</c>, so the
/// metrics-scrape benchmark can scrape both from one shipper. Deleted with whichever exporter loses.
/// </summary>
internal static class PrometheusNetComparison
{
    public const string Path = "/metrics/prometheus-net";

    public static bool Enabled => Environment.GetEnvironmentVariable("ACTORLOKI_COMPARE_PROMETHEUS_NET") == "1";

    public static void AddServices(IServiceCollection services, Func<Meter, IMeterFactory, bool> meterFilter, Func<string, IReadOnlyList<double>> bucketsFor)
    {
        services.AddSingleton(_ => Prometheus.Metrics.NewCustomRegistry());
        services.AddSingleton(sp =>
        {
            var meters = sp.GetRequiredService<IMeterFactory>();
            return new Adapter(MeterAdapter.StartListening(new MeterAdapterOptions
            {
                Registry = sp.GetRequiredService<CollectorRegistry>(),
                MetricFactory = null,
                InstrumentFilterPredicate = instrument => meterFilter(instrument.Meter, meters),
                ResolveHistogramBuckets = instrument => [.. bucketsFor(instrument.Name)],
            }));
        });
    }

    public static void Map(WebApplication app)
    {
        app.Services.GetRequiredService<Adapter>();
        app.MapMetrics(Path, app.Services.GetRequiredService<CollectorRegistry>());
    }

    private sealed class Adapter(IDisposable listening) : IDisposable
    {
        public void Dispose() => listening.Dispose();
    }
}
