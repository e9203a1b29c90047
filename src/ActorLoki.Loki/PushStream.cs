namespace ActorLoki.Loki;

/// <summary>
/// The entries of one stream in a batch, in the order they were added (the order they reach Loki).
/// A growable array of <see cref="LogEntry"/> structs: adding a line allocates nothing once the array
/// has grown, and <see cref="Clear"/> keeps the array for reuse.
/// </summary>
public sealed class PushStream
{
    private LogEntry[] _entries;

    public PushStream(LabelSet labels, int capacity = 16)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Labels = labels;
        _entries = capacity > 0 ? new LogEntry[capacity] : [];
    }

    public LabelSet Labels { get; }

    public int Count { get; private set; }

    /// <summary>Sum of the raw line bytes of the entries.</summary>
    public long LineBytes { get; private set; }

    public ReadOnlySpan<LogEntry> Entries => _entries.AsSpan(0, Count);

    public void Add(in LogEntry entry)
    {
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, Math.Max(16, _entries.Length * 2));
        }

        _entries[Count++] = entry;
        LineBytes += entry.Line.Length;
    }

    public void Add(long timestampUnixNanos, ReadOnlyMemory<byte> line, StructuredMetadata? metadata = null) =>
        Add(new LogEntry(timestampUnixNanos, line, metadata));

    /// <summary>Forgets the entries (releasing the line buffers they reference) but keeps the array.</summary>
    public void Clear()
    {
        Array.Clear(_entries, 0, Count);
        Count = 0;
        LineBytes = 0;
    }
}
