namespace ActorLoki.Loki.Wire;

/// <summary>A run of consecutive entries of one stream of a batch.</summary>
internal readonly record struct Segment(int Stream, int Start, int Count);

/// <summary>
/// The entries of a batch one request carries: consecutive entries in batch order, from
/// <see cref="Start"/> up to (not including) <see cref="End"/>. Plans are cut deterministically, so the
/// same batch and cursor always give the same requests.
/// </summary>
internal sealed class RequestPlan
{
    private RequestPlan(PushBatch batch, List<Segment> segments, PushCursor start, PushCursor end, int entries, long lineBytes)
    {
        Batch = batch;
        Segments = segments;
        Start = start;
        End = end;
        Entries = entries;
        LineBytes = lineBytes;
    }

    public PushBatch Batch { get; }

    public IReadOnlyList<Segment> Segments { get; }

    public PushCursor Start { get; }

    public PushCursor End { get; }

    public int Entries { get; }

    /// <summary>Raw line bytes of the entries (before truncation).</summary>
    public long LineBytes { get; }

    /// <summary>
    /// The next request from <paramref name="from"/>: as many entries as fit in <paramref name="maxLineBytes"/>
    /// raw line bytes (lines longer than <paramref name="maxLineSize"/> count as that size, since they are
    /// cut or dropped), and at least one. Null when the batch has no entry at or after the cursor.
    /// </summary>
    public static RequestPlan? Next(PushBatch batch, PushCursor from, long maxLineBytes, int maxLineSize)
    {
        var segments = new List<Segment>();
        var streamIndex = from.Stream;
        var entryIndex = from.Entry;
        var entries = 0;
        long bytes = 0;
        long counted = 0;
        var start = from;
        var started = false;
        while (streamIndex < batch.Streams.Count)
        {
            var stream = batch.Streams[streamIndex];
            var first = entryIndex;
            while (entryIndex < stream.Count)
            {
                var length = stream[entryIndex].Line.Length;
                var size = Math.Min(length, maxLineSize);
                if (entries > 0 && counted + size > maxLineBytes)
                {
                    break;
                }

                if (!started)
                {
                    start = new PushCursor(streamIndex, entryIndex);
                    started = true;
                }

                counted += size;
                bytes += length;
                entries++;
                entryIndex++;
            }

            if (entryIndex > first)
            {
                segments.Add(new Segment(streamIndex, first, entryIndex - first));
            }

            if (entryIndex < stream.Count)
            {
                return new RequestPlan(batch, segments, start, new PushCursor(streamIndex, entryIndex), entries, bytes);
            }

            streamIndex++;
            entryIndex = 0;
        }

        return entries == 0 ? null : new RequestPlan(batch, segments, start, new PushCursor(streamIndex, 0), entries, bytes);
    }

    /// <summary>Splits the plan into two with half of the entries each (for a 413); needs two entries or more.</summary>
    public (RequestPlan First, RequestPlan Second) Halve()
    {
        if (Entries < 2)
        {
            throw new InvalidOperationException("A request of one entry cannot be split.");
        }

        var firstCount = Entries / 2;
        var first = new List<Segment>();
        var second = new List<Segment>();
        long firstBytes = 0;
        long secondBytes = 0;
        var taken = 0;
        var middle = End;
        foreach (var segment in Segments)
        {
            var entries = Batch.Streams[segment.Stream];
            var inFirst = Math.Clamp(firstCount - taken, 0, segment.Count);
            if (inFirst > 0)
            {
                first.Add(segment with { Count = inFirst });
                firstBytes += SumBytes(entries, segment.Start, inFirst);
            }

            if (inFirst < segment.Count)
            {
                var rest = new Segment(segment.Stream, segment.Start + inFirst, segment.Count - inFirst);
                if (second.Count == 0)
                {
                    middle = new PushCursor(rest.Stream, rest.Start);
                }

                second.Add(rest);
                secondBytes += SumBytes(entries, rest.Start, rest.Count);
            }

            taken += inFirst;
        }

        return (new RequestPlan(Batch, first, Start, middle, firstCount, firstBytes),
                new RequestPlan(Batch, second, middle, End, Entries - firstCount, secondBytes));
    }

    private static long SumBytes(PushStream entries, int start, int count)
    {
        long sum = 0;
        for (var i = start; i < start + count; i++)
        {
            sum += entries[i].Line.Length;
        }

        return sum;
    }
}
