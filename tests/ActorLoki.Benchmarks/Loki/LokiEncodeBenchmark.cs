using System.Diagnostics;
using System.Globalization;
using System.Text;
using ActorLoki.Loki;
using ActorLoki.Loki.Protos;
using ActorLoki.Loki.Tests;
using ActorLoki.Loki.Wire;
using Google.Protobuf;

namespace ActorLoki.Benchmarks.Loki;

/// <summary>
/// Encode and compress throughput of the Loki client, in MB/s of raw line bytes on one core: 1 MiB
/// batches of 200-byte log lines (4 streams), as protobuf+snappy (the default), and for comparison
/// protobuf through the generated PushRequest, protobuf with IronSnappy, JSON and JSON+gzip (Snappier replaced a hand-written compressor: docs/performance.md); snappy alone is measured on the encoded protobuf.
/// Usage: <c>loki-encode [seconds-per-case]</c> (default 3).
/// </summary>
public sealed class LokiEncodeBenchmark : IBenchmark
{
    private const int LineBytes = 200;
    private const int BatchBytes = 1 << 20;

    public string Name => "loki-encode";

    public string Description => "Loki client encode+compress throughput (MB/s of line bytes per core, 1 MiB batches of 200-byte lines)";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var (batch, lineBytes) = BuildBatch();
        var limits = LineLimits.Default;
        var plan = RequestPlan.Next(batch, PushCursor.Start, long.MaxValue, limits.MaxLineBytes)!;
        using var raw = ProtobufPushWriter.Encode(plan, limits, out _, out _);
        var rawProtobuf = raw.Span.ToArray();
        var snappyOut = new byte[Snappier.Snappy.GetMaxCompressedLength(rawProtobuf.Length)];

        Console.WriteLine($"# loki-encode (ActorLoki {Program.Version}, .NET {Environment.Version}, {Environment.ProcessorCount} cores)");
        Console.WriteLine();
        Console.WriteLine($"Batch: {batch.EntryCount} lines of {LineBytes} bytes in {batch.Streams.Count} streams = {lineBytes / 1024.0 / 1024.0:0.00} MiB of line bytes; protobuf {rawProtobuf.Length} bytes.");
        Console.WriteLine();
        Console.WriteLine("| case | MB/s per CPU-second | MB/s wall clock | body bytes | body/lines | allocated per batch |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");

        Report("protobuf + snappy (client)", seconds, lineBytes, () =>
        {
            using var request = EncodedRequest.Encode(plan, PushFormat.Protobuf, false, limits);
            return request.Body.Length;
        }, cancellationToken);
        Report("protobuf only (no compression)", seconds, lineBytes, () =>
        {
            using var bytes = ProtobufPushWriter.Encode(plan, limits, out _, out _);
            return bytes.Length;
        }, cancellationToken);
        Report("protobuf via the generated PushRequest (build + serialise)", seconds, lineBytes, () => SerialiseGenerated(GeneratedRequests.From(batch)), cancellationToken);
        var prebuilt = GeneratedRequests.From(batch);
        Report("generated PushRequest, serialise only (message prebuilt)", seconds, lineBytes, () => SerialiseGenerated(prebuilt), cancellationToken);
        Report("snappy only (Snappier) on the protobuf", seconds, lineBytes, () => Snappier.Snappy.Compress(rawProtobuf, snappyOut), cancellationToken);
        Report("IronSnappy.Encode only on the protobuf", seconds, lineBytes, () => IronSnappy.Snappy.Encode(rawProtobuf).Length, cancellationToken);
        Report("protobuf + IronSnappy (before)", seconds, lineBytes, () =>
        {
            using var bytes = ProtobufPushWriter.Encode(plan, limits, out _, out _);
            return IronSnappy.Snappy.Encode(bytes.Span).Length;
        }, cancellationToken);
        Report("JSON", seconds, lineBytes, () =>
        {
            using var request = EncodedRequest.Encode(plan, PushFormat.Json, false, limits);
            return request.Body.Length;
        }, cancellationToken);
        Report("JSON + gzip (fastest)", seconds, lineBytes, () =>
        {
            using var request = EncodedRequest.Encode(plan, PushFormat.Json, true, limits);
            return request.Body.Length;
        }, cancellationToken);
        return Task.FromResult(0);
    }

    /// <summary>Google.Protobuf's serialiser into a pooled buffer of the measured size, as the client's writer does.</summary>
    internal static int SerialiseGenerated(PushRequest request)
    {
        var size = request.CalculateSize();
        using var buffer = new PooledBytes(size);
        request.WriteTo(buffer.Array.AsSpan(0, size));
        return size;
    }

    private static void Report(string name, double seconds, long lineBytes, Func<int> encode, CancellationToken cancellationToken)
    {
        // Warm up (JIT tiers, pools), then measure for the given time.
        var warm = Stopwatch.StartNew();
        var size = 0;
        while (warm.Elapsed.TotalSeconds < Math.Min(2, seconds / 2))
        {
            size = encode();
        }

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long batches = 0;
        while (clock.Elapsed.TotalSeconds < seconds && !cancellationToken.IsCancellationRequested)
        {
            size = encode();
            batches++;
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / batches;
        var perCpuSecond = batches * lineBytes / 1e6 / cpu;
        var perWallSecond = batches * lineBytes / 1e6 / elapsed;
        Console.WriteLine($"| {name} | {perCpuSecond:0} | {perWallSecond:0} | {size} | {(double)size / lineBytes:0.000} | {allocated / 1024.0:0.0} KiB |");
    }

    /// <summary>Log-like lines (a timestamp, a level, a message with varying ids and numbers), so compression sees realistic text.</summary>
    internal static (PushBatch Batch, long LineBytes) BuildBatch(long firstTimestamp = 0)
    {
        var random = new Random(42);
        string[] levels = ["info", "debug", "warn", "error"];
        string[] messages = ["request completed", "cache miss", "user logged in", "payment authorised", "retrying upstream call", "connection pool exhausted"];
        string[] paths = ["/api/v1/orders", "/api/v1/users", "/healthz", "/api/v2/payments", "/metrics"];
        var streams = Enumerable.Range(0, 4)
            .Select(i => new PushStream(new LabelSetBuilder().Set("namespace", "bench").Set("app", $"app-{i}").Set("container", "main").Build()))
            .ToArray();
        var buffer = new byte[BatchBytes + LineBytes];
        var offset = 0;
        var timestamp = firstTimestamp != 0 ? firstTimestamp : new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;
        var n = 0;
        while (offset + LineBytes <= BatchBytes)
        {
            var text = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"ts=2026-01-01T00:00:{n % 60:00}.{random.Next(1_000_000):000000}Z level={levels[random.Next(levels.Length)]} ")
                .Append(CultureInfo.InvariantCulture, $"msg=\"{messages[random.Next(messages.Length)]}\" path={paths[random.Next(paths.Length)]} status={200 + (random.Next(5) * 100)} ")
                .Append(CultureInfo.InvariantCulture, $"duration_ms={random.Next(2000)} trace_id={random.NextInt64():x16}{random.NextInt64():x16} user_id={random.Next(100000)} ");
            while (text.Length < LineBytes)
            {
                text.Append(CultureInfo.InvariantCulture, $"k{random.Next(10)}=v{random.Next(1000)} ");
            }

            var line = Encoding.UTF8.GetBytes(text.ToString(0, LineBytes));
            line.CopyTo(buffer, offset);
            streams[n % streams.Length].Add(timestamp + (n * 1000L), buffer.AsMemory(offset, LineBytes));
            offset += LineBytes;
            n++;
        }

        return (new PushBatch(1, streams), offset);
    }
}
