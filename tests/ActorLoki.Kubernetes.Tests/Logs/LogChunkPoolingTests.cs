using ActorLoki.Kubernetes.Logs;

namespace ActorLoki.Kubernetes.Tests.Logs;

/// <summary>
/// A batch's chunks are disposed together once Loki has their lines; the next reads must get those arrays back
/// rather than allocate new ones (ArrayPool.Shared keeps only 32 of a size per core, and dropped the rest).
/// </summary>
public sealed class LogChunkPoolingTests
{
    private const int Chunks = 500;

    [Fact]
    public void Chunks_disposed_together_are_reused_by_the_next_chunks_instead_of_allocated()
    {
        // 500 chunks of four 1,000-byte lines: ~2 MB of line bytes held at once, as a batch in flight holds them.
        var lines = Enumerable.Range(0, 4).Select(i => ((long)i, new string((char)('a' + i), 1_000))).ToList();
        DisposeAll(CreateAll(lines));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var second = CreateAll(lines);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        DisposeAll(second);

        var lineBytes = Chunks * lines.Sum(l => l.Item2.Length + 1);

        // The chunk objects and the list are allocated; their arrays come from the pool.
        allocated.Should().BeLessThan(lineBytes / 10, "the arrays of the disposed chunks are rented again");
    }

    private static List<LogChunk> CreateAll(List<(long, string)> lines)
    {
        var chunks = new List<LogChunk>(Chunks);
        for (var i = 0; i < Chunks; i++)
        {
            chunks.Add(LogChunk.Create(lines));
        }

        return chunks;
    }

    private static void DisposeAll(List<LogChunk> chunks)
    {
        foreach (var chunk in chunks)
        {
            chunk.Dispose();
        }
    }
}
