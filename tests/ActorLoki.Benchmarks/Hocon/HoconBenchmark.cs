using System.Diagnostics;
using System.Globalization;
using System.Text;
using ActorLoki.Hocon;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Benchmarks.Hocon;

/// <summary>
/// How long configuration takes: parsing and resolving reference.conf, a large generated file with
/// substitutions, and the whole start-up load (all layers, binding, validation). Stopwatch-based:
/// configuration is read once at start, so the figure that matters is milliseconds per load.
/// </summary>
public sealed class HoconBenchmark : IBenchmark
{
    public string Name => "hocon";

    public string Description => "HOCON parse/resolve and full configuration load (reference.conf, large file, start-up)";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reference = ActorLokiConfiguration.ReferenceText;
        var large = LargeDocument(2000);
        var environment = new Dictionary<string, string> { ["LOKI_URL"] = "http://loki:3100", ["ACTORLOKI__LOKI__BATCH__MAX_BYTES"] = "2MiB" };
        var sources = new ConfigurationSources { Environment = environment, CommandLine = [new("cluster-name", "bench")] };

        Console.WriteLine(FormattableString.Invariant($"# hocon benchmark (ActorLoki {Program.Version}, {Environment.ProcessorCount} cores)"));
        Console.WriteLine();
        Console.WriteLine("| case | input | iterations | mean | throughput | allocated/op |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        Measure("parse + resolve reference.conf", reference, 2000, () => HoconResolver.Resolve(HoconParser.Parse(reference, "reference.conf"), HoconEnvironment.Empty), cancellationToken);
        Measure("parse + resolve generated file", large, 50, () => HoconResolver.Resolve(HoconParser.Parse(large, "large.conf"), HoconEnvironment.Empty), cancellationToken);
        Measure("full load (all layers, bind, validate)", reference, 1000, () => ActorLokiConfiguration.Load(sources).GetSettingsOrThrow(), cancellationToken);
        return Task.FromResult(0);
    }

    private static void Measure(string name, string input, int iterations, Func<object> action, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Math.Max(5, iterations / 10); i++)
        {
            action();
        }

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < iterations && !cancellationToken.IsCancellationRequested; i++)
        {
            action();
        }

        stopwatch.Stop();
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / iterations;
        var mean = stopwatch.Elapsed.TotalMilliseconds / iterations;
        var megabytesPerSecond = Encoding.UTF8.GetByteCount(input) / (mean / 1000) / (1024 * 1024);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {Encoding.UTF8.GetByteCount(input) / 1024.0:F1} KiB | {iterations} | {mean:F3} ms | {megabytesPerSecond:F1} MiB/s | {allocated / 1024.0:F0} KiB |"));
    }

    /// <summary>Many sections with dotted keys, arrays, concatenations, self-references and cross-references.</summary>
    private static string LargeDocument(int sections)
    {
        var text = new StringBuilder("base { url = \"http://loki:3100\", size = 1MiB, list = [a, b, c] }\n");
        for (var i = 0; i < sections; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"section-{i} {{\n");
            text.Append("  # a comment line\n");
            text.Append(CultureInfo.InvariantCulture, $"  name = \"section {i}\"\n");
            text.Append("  url = ${base.url}\"/loki/api/v1/push\"\n");
            text.Append("  nested.deeper.value = 42\n");
            text.Append("  list = ${base.list} [d, e]\n");
            text.Append("  list += f\n");
            text.Append("  inherited = ${base} { extra = true }\n");
            text.Append("  timeout = 10s, size = 512KiB\n");
            text.Append("}\n");
        }

        return text.ToString();
    }
}
