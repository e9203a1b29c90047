namespace ActorLoki.Loki;

/// <summary>
/// The entries of one stream in a batch, in the order they were added (the order they reach Loki).
/// </summary>
/// <remarks>
/// Stored in segments of at most <see cref="SegmentLength"/> entries (32 KiB, under the large object heap's
/// 85,000-byte threshold): the first grows by doubling like a list, the next ones are allocated whole. A
/// stream that grows to hundreds of thousands of lines while a batch is in flight (a backlog read at full
/// speed) therefore never copies its entries and never asks the GC for one large contiguous block; one
/// doubling array of the same stream grew to 16 MiB on the large object heap, which is not compacted, and
/// ran a shipper under a container memory limit out of memory. Adding a line allocates nothing between
/// segments, and <see cref="Clear"/> keeps the first segment for reuse.
/// </remarks>
public sealed class PushStream
{
    /// <summary>Entries per segment: a power of two, so that an index splits with a shift and a mask.</summary>
    public const int SegmentLength = 1 << SegmentShift;

    private const int SegmentShift = 10;
    private const int SegmentMask = SegmentLength - 1;

    private LogEntry[][] _segments;
    private int _segmentCount;

    public PushStream(LabelSet labels, int capacity = 16)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Labels = labels;
        _segments = [new LogEntry[Math.Clamp(capacity, 0, SegmentLength)]];
        _segmentCount = 1;
    }

    public LabelSet Labels { get; }

    public int Count { get; private set; }

    /// <summary>Sum of the raw line bytes of the entries.</summary>
    public long LineBytes { get; private set; }

    /// <summary>The entry at <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public ref readonly LogEntry this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The stream has {Count} entries.");
            }

            return ref _segments[index >> SegmentShift][index & SegmentMask];
        }
    }

    public void Add(in LogEntry entry)
    {
        var segment = Count >> SegmentShift;
        var offset = Count & SegmentMask;
        if (segment == 0)
        {
            var first = _segments[0];
            if (offset == first.Length && first.Length < SegmentLength)
            {
                Array.Resize(ref _segments[0], Math.Clamp(first.Length * 2, 16, SegmentLength));
            }
        }
        else if (offset == 0 && segment == _segmentCount)
        {
            if (_segmentCount == _segments.Length)
            {
                Array.Resize(ref _segments, _segments.Length * 2);
            }

            _segments[_segmentCount++] = new LogEntry[SegmentLength];
        }

        _segments[segment][offset] = entry;
        Count++;
        LineBytes += entry.Line.Length;
    }

    public void Add(long timestampUnixNanos, ReadOnlyMemory<byte> line, StructuredMetadata? metadata = null) =>
        Add(new LogEntry(timestampUnixNanos, line, metadata));

    /// <summary>Forgets the entries (releasing the line buffers they reference) but keeps the first segment.</summary>
    public void Clear()
    {
        Array.Clear(_segments[0]);
        for (var i = 1; i < _segmentCount; i++)
        {
            _segments[i] = null!;
        }

        _segmentCount = 1;
        Count = 0;
        LineBytes = 0;
    }
}
