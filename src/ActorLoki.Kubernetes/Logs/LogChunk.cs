using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace ActorLoki.Kubernetes.Logs;

/// <summary>
/// The lines one read of a log stream produced: one byte buffer and the <see cref="LogLine"/>s in it.
/// <para>
/// Ownership: the reader hands the chunk over and never touches it again. Its arrays are rented from
/// <see cref="ChunkPool"/>; whoever holds the chunk last (e.g. the batcher, once Loki acknowledged
/// its lines) calls <see cref="Dispose"/> to return them. A chunk that is never disposed is simply
/// collected. After <see cref="Dispose"/>, reading the chunk throws <see cref="ObjectDisposedException"/>.
/// </para>
/// </summary>
public sealed class LogChunk : IDisposable
{
    private byte[]? _bytes;
    private LogLine[]? _lines;

    internal LogChunk(byte[] bytes, int byteCount, LogLine[] lines, int count)
    {
        _bytes = bytes;
        _lines = lines;
        ByteCount = byteCount;
        Count = count;
        MemoryBytes = bytes.Length + ((long)lines.Length * Unsafe.SizeOf<LogLine>());
    }

    /// <summary>Number of lines (and pieces of cut lines).</summary>
    public int Count { get; }

    /// <summary>Bytes held: line contents plus the timestamps and newlines between them.</summary>
    public int ByteCount { get; }

    /// <summary>
    /// Memory the chunk holds until disposed: the full length of its pooled arrays (a pool rounds sizes up,
    /// to twice the bytes in use at worst), line records included. What a memory budget must count.
    /// </summary>
    public long MemoryBytes { get; }

    public ReadOnlySpan<LogLine> Lines => (_lines ?? throw Disposed()).AsSpan(0, Count);

    /// <summary>The chunk's buffer; line offsets index into it.</summary>
    public ReadOnlyMemory<byte> Bytes => (_bytes ?? throw Disposed()).AsMemory(0, ByteCount);

    public LogLine this[int index] => Lines[index];

    /// <summary>The content of <paramref name="line"/>, as UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> GetContent(in LogLine line) => (_bytes ?? throw Disposed()).AsSpan(line.Offset, line.Length);

    public ReadOnlyMemory<byte> GetContentMemory(in LogLine line) => (_bytes ?? throw Disposed()).AsMemory(line.Offset, line.Length);

    /// <summary>The content decoded as a string (for tests and diagnostics, not the hot path).</summary>
    public string GetString(int index) => Encoding.UTF8.GetString(GetContent(Lines[index]));

    /// <summary>
    /// Builds a chunk from timestamped lines, as a reader would have produced it. For tests of code that
    /// consumes chunks without a Kubernetes server.
    /// </summary>
    public static LogChunk Create(IReadOnlyList<(long Timestamp, string Content)> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var size = lines.Sum(l => Encoding.UTF8.GetByteCount(l.Content) + 1);
        var bytes = ChunkPool.RentBytes(Math.Max(size, 1));
        var entries = ChunkPool.RentLines(Math.Max(lines.Count, 1));
        var offset = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var length = Encoding.UTF8.GetBytes(lines[i].Content, bytes.AsSpan(offset));
            entries[i] = new LogLine(offset, length, lines[i].Timestamp, LogLineFlags.None);
            bytes[offset + length] = (byte)'\n';
            offset += length + 1;
        }

        return new LogChunk(bytes, size, entries, lines.Count);
    }

    /// <summary>Returns the buffers to the pool. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _bytes, null) is { } bytes)
        {
            ChunkPool.Return(bytes);
        }

        if (Interlocked.Exchange(ref _lines, null) is { } lines)
        {
            ChunkPool.Return(lines);
        }
    }

    private static ObjectDisposedException Disposed() => new(nameof(LogChunk), "The chunk was disposed and its buffers returned to the pool.");
}
