using System.Diagnostics;
using System.Text.Json;

namespace ActorLoki.Tests.Metrics;

/// <summary>
/// The reference Python client's parsers (Debian's <c>python3-prometheus-client</c>, which .ci/run installs):
/// <c>prometheus_client.parser</c> for the text format 0.0.4 and <c>prometheus_client.openmetrics.parser</c>,
/// the stricter one, for OpenMetrics. Used by the exposition tests and by the metrics-scrape benchmark
/// (which compiles this file too).
/// </summary>
public static class PythonPrometheusParser
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families as text_parser
        from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_parser
        parse = openmetrics_parser if sys.argv[1] == "openmetrics" else text_parser
        try:
            families = [{"name": f.name, "type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
                        for f in parse(sys.stdin.read())]
            print(json.dumps({"ok": True, "families": families}))
        except Exception as e:
            print(json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, e)}))
        """;

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed record Family(string Name, string Type, IReadOnlyList<Sample> Samples);

    /// <summary>The families parsed, or the parser's error.</summary>
    public sealed record Result(bool Ok, string? Error, IReadOnlyList<Family> Families);

    public static async Task<Result> ParseAsync(string exposition, bool openMetrics, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} not found: apt-get install python3-prometheus-client (.ci/run does)");
        }

        var start = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(openMetrics ? "openmetrics" : "text");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(exposition.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the Python parser did not run (apt-get install python3-prometheus-client): {await error}");
        }

        using var json = JsonDocument.Parse(await output);
        var root = json.RootElement;
        if (!root.GetProperty("ok").GetBoolean())
        {
            return new Result(false, root.GetProperty("error").GetString(), []);
        }

        return new Result(true, null, [.. root.GetProperty("families").EnumerateArray().Select(f => new Family(
            f.GetProperty("name").GetString()!,
            f.GetProperty("type").GetString()!,
            [.. f.GetProperty("samples").EnumerateArray().Select(s => new Sample(
                s.GetProperty("name").GetString()!,
                s.GetProperty("labels").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!),
                s.GetProperty("value").ValueKind == JsonValueKind.Number ? s.GetProperty("value").GetDouble() : double.Parse(s.GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture)))]))]);
    }

    /// <summary>One line for a benchmark table: accepted (with the family count) or the parser's error.</summary>
    public static async Task<string> CheckAsync(string exposition, bool openMetrics, CancellationToken cancellationToken = default)
    {
        var result = await ParseAsync(exposition, openMetrics, cancellationToken);
        return result.Ok
            ? $"{(openMetrics ? "OpenMetrics" : "text")} parser: accepted, {result.Families.Count} families"
            : $"{(openMetrics ? "OpenMetrics" : "text")} parser: rejected ({result.Error?.ReplaceLineEndings(" ")})";
    }
}
