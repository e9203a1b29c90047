using ActorLoki.Benchmarks.Kubernetes;
using ActorLoki.Kubernetes.Logs;
using BenchmarkDotNet.Attributes;

namespace ActorLoki.Benchmarks.Micro;

/// <summary>Splitting a log stream into lines and parsing the kubelet's timestamps; per line (10,000 lines of 200 bytes per operation).</summary>
[MemoryDiagnoser]
public class LogLineBenchmarks // not sealed: BenchmarkDotNet derives from it
{
    private const int Lines = 10_000;
    private byte[] _data = [];
    private byte[] _oneLine = [];

    [GlobalSetup]
    public void Setup()
    {
        _data = KubeLogsBenchmark.KubeletLines(Lines, 200);
        _oneLine = _data.AsSpan(0, _data.AsSpan().IndexOf((byte)'\n')).ToArray();
    }

    [Benchmark(Description = "kubelet timestamp: parse one")]
    public long ParseTimestamp() => KubeletTimestamp.TryParse(_oneLine, out var timestamp, out _) ? timestamp : 0;

    [Benchmark(Description = "split + parse (IndexOf, TryParse), per line", OperationsPerInvoke = Lines)]
    public long SplitAndParse()
    {
        var span = _data.AsSpan();
        long sum = 0;
        while (span.Length > 0)
        {
            var newline = span.IndexOf((byte)'\n');
            if (KubeletTimestamp.TryParse(span[..newline], out var timestamp, out _))
            {
                sum += timestamp;
            }

            span = span[(newline + 1)..];
        }

        return sum;
    }

    [Benchmark(Description = "LogStreamReader: 64 KiB reads into pooled chunks, per line", OperationsPerInvoke = Lines)]
    public async Task<long> LogStreamReaderChunks()
    {
        await using var reader = new LogStreamReader(new KubeLogsBenchmark.ReadLimitedStream(_data, 64 * 1024), new LogReaderOptions());
        long lines = 0;
        while (await reader.ReadChunkAsync() is { } chunk)
        {
            lines += chunk.Count;
            chunk.Dispose();
        }

        return lines;
    }
}
