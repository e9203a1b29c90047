using System.Buffers;

namespace ActorLoki.Kubernetes.Logs;

/// <summary>
/// Where the arrays of <see cref="LogChunk"/>s come from and go back to. A chunk lives until Loki has acknowledged its
/// lines (a second or more), and the chunks of a batch come back all at once: hundreds at a time at a few thousand
/// lines per second, more than <see cref="ArrayPool{T}.Shared"/> keeps of one size (32 per core), so it dropped most
/// of them and the next reads allocated anew. At 40,000 lines/s that was 556 bytes allocated per line and a gen0
/// collection every ~100 ms, each copying the lines still waiting for Loki (docs/performance.md). These pools keep up
/// to 1,024 small arrays of each size, enough for a batch; large ones (a busy stream's 64 KiB reads) are few at a time
/// and 8 of each size are kept. What stays pooled is never more than was outstanding at once, which the batcher's
/// budget (<c>buffer.max-bytes</c>) bounds; with small chunks it is a few MiB.
/// </summary>
internal static class ChunkPool
{
    /// <summary>Byte arrays up to this length are "small" (a chunk of a few dozen lines).</summary>
    private const int SmallBytes = 8 * 1024;

    /// <summary>Line arrays up to this length are "small" (as many lines as a small byte array holds).</summary>
    private const int SmallLines = 512;

    private static readonly ArrayPool<byte> s_smallBytes = ArrayPool<byte>.Create(SmallBytes, 1024);
    private static readonly ArrayPool<byte> s_largeBytes = ArrayPool<byte>.Create(1024 * 1024, 8);
    private static readonly ArrayPool<LogLine> s_smallLines = ArrayPool<LogLine>.Create(SmallLines, 1024);
    private static readonly ArrayPool<LogLine> s_largeLines = ArrayPool<LogLine>.Create(64 * 1024, 8);

    public static byte[] RentBytes(int length) => length <= SmallBytes ? s_smallBytes.Rent(length) : s_largeBytes.Rent(length);

    public static void Return(byte[] array)
    {
        if (array.Length <= SmallBytes)
        {
            s_smallBytes.Return(array);
        }
        else
        {
            s_largeBytes.Return(array);
        }
    }

    public static LogLine[] RentLines(int length) => length <= SmallLines ? s_smallLines.Rent(length) : s_largeLines.Rent(length);

    public static void Return(LogLine[] array)
    {
        if (array.Length <= SmallLines)
        {
            s_smallLines.Return(array);
        }
        else
        {
            s_largeLines.Return(array);
        }
    }
}
