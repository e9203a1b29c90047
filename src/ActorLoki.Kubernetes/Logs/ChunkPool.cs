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
    // Bytes up to 8 KiB and line arrays up to 512 lines are small (a chunk of a few dozen lines).
    private static readonly SizedPool<byte> s_bytes = new(8 * 1024, 1024 * 1024);
    private static readonly SizedPool<LogLine> s_lines = new(512, 64 * 1024);

    public static byte[] RentBytes(int length) => s_bytes.Rent(length);

    public static void Return(byte[] array) => s_bytes.Return(array);

    public static LogLine[] RentLines(int length) => s_lines.Rent(length);

    public static void Return(LogLine[] array) => s_lines.Return(array);

    /// <summary>
    /// Arrays up to <paramref name="smallLength"/> (a power of two) kept 1,024 to a size, longer ones up to
    /// <paramref name="largestLength"/> 8 to a size; longer still are allocated and left to the GC.
    /// </summary>
    private sealed class SizedPool<T>(int smallLength, int largestLength)
    {
        private readonly ArrayPool<T> _small = ArrayPool<T>.Create(smallLength, 1024);
        private readonly ArrayPool<T> _large = ArrayPool<T>.Create(largestLength, 8);

        public T[] Rent(int length) => length <= smallLength ? _small.Rent(length) : _large.Rent(length);

        public void Return(T[] array) => (array.Length <= smallLength ? _small : _large).Return(array);
    }
}
