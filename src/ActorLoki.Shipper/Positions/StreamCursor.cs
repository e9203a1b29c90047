namespace ActorLoki.Shipper.Positions;

/// <summary>
/// Follows the lines of one log response, in the order the kubelet sends them, and says at any line
/// boundary which <see cref="StreamPosition"/> would resume exactly after it. One cursor per opened
/// response: it starts from the position the response was opened with.
/// </summary>
/// <remarks>
/// Invariant: for the response to <c>sinceTime = Position.SinceSecond</c>, the lines seen so far that have
/// a timestamp at or after that second are exactly the first <c>Position.Skip</c> lines of the response.
/// That holds because the kubelet keeps file order and drops only lines stamped before <c>sinceTime</c>;
/// the since second only moves forward, and never closer than <see cref="BackwardsMargin"/> to the newest
/// timestamp seen, so a later line stamped slightly earlier than an earlier one is still at or after it.
/// The counts are kept per second for the few seconds between the since second and the newest line, so
/// the cursor costs a handful of longs however fast the container writes.
/// </remarks>
public sealed class StreamCursor
{
    /// <summary>How far a line's timestamp may lag behind the newest one seen before a resume could miss it.</summary>
    public static readonly TimeSpan BackwardsMargin = TimeSpan.FromSeconds(2);

    private const long NanosPerSecond = 1_000_000_000;
    private static readonly long MarginNanos = BackwardsMargin.Ticks * 100;

    // Seconds at or after _since, with the number of lines seen stamped in each. Few entries: the window
    // between _since and the newest line is about BackwardsMargin wide.
    private readonly SortedDictionary<long, long> _perSecond = [];
    private long _since;
    private long _atOrAfterSince;
    private long _newest = long.MinValue;
    private long _lastTimestamp;
    private ulong _lastHash;

    // Fast path: consecutive lines in the same second only bump a counter.
    private long _runSecond = long.MinValue;
    private long _runCount;

    /// <summary>A cursor for a response opened at <paramref name="openedAt"/> (its since second).</summary>
    public StreamCursor(StreamPosition openedAt)
    {
        _since = openedAt.SinceSecond;
    }

    /// <summary>Lines seen whose timestamp lagged the newest one by more than the margin (counted, not lost).</summary>
    public long LinesBehindMargin { get; private set; }

    /// <summary>Lines seen in this response.</summary>
    public long LinesSeen { get; private set; }

    /// <summary>Takes the next line of the response into account.</summary>
    public void Observe(long timestampNanos)
    {
        LinesSeen++;
        var second = FloorSecond(timestampNanos);
        if (second == _runSecond)
        {
            _runCount++;
        }
        else
        {
            FlushRun();
            _runSecond = second;
            _runCount = 1;
        }

        if (timestampNanos > _newest)
        {
            _newest = timestampNanos;
        }
        else if (_newest - timestampNanos > MarginNanos)
        {
            LinesBehindMargin++;
        }

        _lastTimestamp = timestampNanos;
    }

    /// <summary>
    /// Records the bytes of the line last observed, for the resume check. Called for the last line of a
    /// chunk only: positions are taken at chunk ends, and hashing every line would cost for nothing.
    /// </summary>
    public void ObserveLastLine(ReadOnlySpan<byte> line) => _lastHash = Fnv1a(line);

    /// <summary>The position that resumes right after the last line observed.</summary>
    public StreamPosition Position
    {
        get
        {
            FlushRun();
            if (LinesSeen == 0)
            {
                return new StreamPosition(_since, 0, 0, 0);
            }

            var candidate = FloorSecond(_newest - MarginNanos);
            if (candidate > _since)
            {
                Advance(candidate);
            }

            // The check names the last handled line; a line stamped before the since second is not in the
            // resumed response, so there is nothing to check it against.
            return _lastTimestamp >= _since * NanosPerSecond || _since == StreamPosition.FromStart
                ? new StreamPosition(_since, _atOrAfterSince, _lastTimestamp, _lastHash)
                : new StreamPosition(_since, _atOrAfterSince, 0, 0);
        }
    }

    /// <summary>FNV-1a, 64 bits: stable across processes (unlike <see cref="HashCode"/>), enough to spot a mismatch.</summary>
    public static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static long FloorSecond(long nanos) => nanos >= 0 ? nanos / NanosPerSecond : ((nanos + 1) / NanosPerSecond) - 1;

    private void FlushRun()
    {
        if (_runCount == 0)
        {
            return;
        }

        if (_runSecond >= _since)
        {
            _perSecond[_runSecond] = _perSecond.GetValueOrDefault(_runSecond) + _runCount;
            _atOrAfterSince += _runCount;
        }

        _runCount = 0;
        _runSecond = long.MinValue;
    }

    private void Advance(long since)
    {
        while (_perSecond.Count > 0)
        {
            var (second, count) = _perSecond.First();
            if (second >= since)
            {
                break;
            }

            _perSecond.Remove(second);
            _atOrAfterSince -= count;
        }

        _since = since;
    }
}
