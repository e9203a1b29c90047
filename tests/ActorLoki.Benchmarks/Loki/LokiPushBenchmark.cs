using System.Diagnostics;
using System.Globalization;
using ActorLoki.Loki;
using ActorLoki.Simulator.Loki;

namespace ActorLoki.Benchmarks.Loki;

/// <summary>
/// End-to-end push throughput over 127.0.0.1: the client encodes and sends 1 MiB batches of 200-byte
/// lines one after the other, the simulator's receiver decodes, validates and stores them. Both run in
/// this process, so the figure is what one machine does for both sides; it shows the receiver keeps up
/// with the load the shipper's benchmarks put on it. Usage: <c>loki-push [batches]</c> (default 60).
/// </summary>
public sealed class LokiPushBenchmark : IBenchmark
{
    public string Name => "loki-push";

    public string Description => "Client to receiver over 127.0.0.1: lines/s and MB/s, protobuf and JSON";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var batches = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60;
        Console.WriteLine($"# loki-push (ActorLoki {Program.Version}, .NET {Environment.Version}, {Environment.ProcessorCount} cores)");
        Console.WriteLine();
        Console.WriteLine($"{batches} batches of 1 MiB (200-byte lines, 4 streams) pushed one at a time; every line is stored and counted by the receiver.");
        Console.WriteLine();
        Console.WriteLine("| format | lines/s | MB/s of line bytes | CPU-seconds per GB (both sides) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, format, gzip) in new[] { ("protobuf + snappy", PushFormat.Protobuf, false), ("JSON + gzip", PushFormat.Json, true) })
        {
            await RunCaseAsync(name, format, gzip, batches, cancellationToken);
        }

        return 0;
    }

    private static async Task RunCaseAsync(string name, PushFormat format, bool gzip, int batches, CancellationToken cancellationToken)
    {
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions(), cancellationToken);
        using var client = new LokiClient(new LokiClientOptions { Url = receiver.PushUrl, Format = format, JsonGzip = gzip });
        var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        var prepared = Enumerable.Range(0, batches).Select(i => LokiEncodeBenchmark.BuildBatch(now + (i * 10_000_000L))).ToList();

        // One warm-up batch, not counted.
        var (warm, _) = LokiEncodeBenchmark.BuildBatch(now - 1_000_000_000);
        (await client.PushAsync(warm, cancellationToken: cancellationToken)).Outcome.Should(PushOutcome.Success);
        var warmEntries = receiver.Statistics.EntriesAccepted;

        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long lines = 0, bytes = 0;
        foreach (var (batch, lineBytes) in prepared)
        {
            (await client.PushAsync(batch, cancellationToken: cancellationToken)).Outcome.Should(PushOutcome.Success);
            lines += batch.EntryCount;
            bytes += lineBytes;
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var stored = receiver.Statistics.EntriesAccepted - warmEntries;
        if (stored != lines)
        {
            throw new InvalidOperationException($"{name}: {lines} lines pushed but {stored} stored");
        }

        Console.WriteLine($"| {name} | {lines / elapsed:0} | {bytes / 1e6 / elapsed:0} | {cpu / (bytes / 1e9):0.0} |");
    }
}

internal static class OutcomeAssertions
{
    public static void Should(this PushOutcome outcome, PushOutcome expected)
    {
        if (outcome != expected)
        {
            throw new InvalidOperationException($"push ended {outcome}, expected {expected}");
        }
    }
}
