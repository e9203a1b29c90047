namespace ActorLoki.Loki;

/// <summary>
/// What the batcher hands to the pusher: an id and streams of entries. The client sends a batch as one
/// or more requests (split at <c>max-request-bytes</c>) in a fixed order, so a <see cref="PushCursor"/>
/// names how far a batch got and a retry can resume there.
/// </summary>
public sealed class PushBatch
{
    private readonly List<PushStream> _streams = [];

    public PushBatch(long id) => Id = id;

    public PushBatch(long id, IEnumerable<PushStream> streams)
        : this(id)
    {
        ArgumentNullException.ThrowIfNull(streams);
        foreach (var stream in streams)
        {
            Add(stream);
        }
    }

    public long Id { get; }

    public IReadOnlyList<PushStream> Streams => _streams;

    public int EntryCount => _streams.Sum(s => s.Count);

    public long LineBytes => _streams.Sum(s => s.LineBytes);

    public void Add(PushStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _streams.Add(stream);
    }

    public override string ToString() => $"batch {Id}: {_streams.Count} streams, {EntryCount} entries, {LineBytes} bytes";
}

/// <summary>
/// A position in a <see cref="PushBatch"/>: every entry before (<see cref="Stream"/>, <see cref="Entry"/>)
/// in stream order has been answered by Loki (stored, or dropped and counted). The default is the start.
/// </summary>
public readonly record struct PushCursor(int Stream, int Entry)
{
    public static PushCursor Start => default;

    /// <summary>True when the cursor is at or after the end of <paramref name="batch"/>.</summary>
    public bool IsAtEnd(PushBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var s = Stream;
        var e = Entry;
        while (s < batch.Streams.Count && e >= batch.Streams[s].Count)
        {
            s++;
            e = 0;
        }

        return s >= batch.Streams.Count;
    }

    public override string ToString() => $"stream {Stream}, entry {Entry}";
}
