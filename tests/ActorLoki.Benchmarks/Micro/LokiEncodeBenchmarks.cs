using ActorLoki.Benchmarks.Loki;
using ActorLoki.Loki;
using ActorLoki.Loki.Tests;
using ActorLoki.Loki.Wire;
using BenchmarkDotNet.Attributes;

namespace ActorLoki.Benchmarks.Micro;

/// <summary>Encoding one 1 MiB batch (about 5,000 lines of 200 bytes in 4 streams): protobuf (the zero-copy writer and the generated PushRequest), snappy, both, and JSON.</summary>
[MemoryDiagnoser]
public class LokiEncodeBenchmarks // not sealed: BenchmarkDotNet derives from it
{
    private PushBatch _batch = null!;
    private RequestPlan _plan = null!;
    private LineLimits _limits = null!;
    private byte[] _protobuf = [];
    private byte[] _snappyOut = [];

    [GlobalSetup]
    public void Setup()
    {
        var (batch, _) = LokiEncodeBenchmark.BuildBatch();
        _batch = batch;
        _limits = LineLimits.Default;
        _plan = RequestPlan.Next(batch, PushCursor.Start, long.MaxValue, _limits.MaxLineBytes)!;
        using var raw = ProtobufPushWriter.Encode(_plan, _limits, out _, out _);
        _protobuf = raw.Span.ToArray();
        _snappyOut = new byte[Snappier.Snappy.GetMaxCompressedLength(_protobuf.Length)];
    }

    [Benchmark(Baseline = true, Description = "protobuf + snappy (what is pushed)")]
    public int ProtobufAndSnappy()
    {
        using var request = EncodedRequest.Encode(_plan, PushFormat.Protobuf, false, _limits);
        return request.Body.Length;
    }

    [Benchmark(Description = "protobuf only")]
    public int ProtobufOnly()
    {
        using var bytes = ProtobufPushWriter.Encode(_plan, _limits, out _, out _);
        return bytes.Length;
    }

    [Benchmark(Description = "protobuf via the generated PushRequest (build + serialise)")]
    public int GeneratedProtobuf() => LokiEncodeBenchmark.SerialiseGenerated(GeneratedRequests.From(_batch));

    [Benchmark(Description = "snappy only (Snappier, of the protobuf)")]
    public int SnappyOnly() => Snappier.Snappy.Compress(_protobuf, _snappyOut);

    [Benchmark(Description = "JSON")]
    public int Json()
    {
        using var request = EncodedRequest.Encode(_plan, PushFormat.Json, false, _limits);
        return request.Body.Length;
    }
}
