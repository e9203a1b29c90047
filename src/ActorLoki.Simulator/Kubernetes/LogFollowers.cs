namespace ActorLoki.Simulator.Kubernetes;

/// <summary>One container's log, as clients follow it: namespace, pod and container name.</summary>
public sealed record FollowedStream(string Namespace, string Pod, string Container)
{
    public override string ToString() => $"{Namespace}/{Pod}/{Container}";
}

/// <summary>
/// One <c>follow=true</c> log request: who made it (the user its bearer token or client certificate
/// authenticates, "system:anonymous" without one), when the API server started answering it, and when the
/// response ended (null while it is open).
/// </summary>
public sealed record FollowInterval(FollowedStream Stream, string Client, DateTimeOffset Opened, DateTimeOffset? Closed)
{
    /// <summary>True when the request was open at <paramref name="instant"/>.</summary>
    public bool OpenAt(DateTimeOffset instant) => Opened <= instant && (Closed is null || Closed > instant);
}

/// <summary>Two different clients following the same container log at the same time, from <see cref="From"/> to <see cref="To"/> (null: still).</summary>
public sealed record FollowOverlap(FollowedStream Stream, string First, string Second, DateTimeOffset From, DateTimeOffset? To);

/// <summary>
/// How the streams a lost client followed were taken up again: for each, when another client first followed
/// it (null: nobody has yet), counted from the instant the client was lost.
/// </summary>
public sealed record Refollowing(string LostClient, DateTimeOffset LostAt, IReadOnlyDictionary<FollowedStream, DateTimeOffset?> FollowedAgainAt)
{
    /// <summary>Every stream of the lost client is followed again by another client.</summary>
    public bool Complete => FollowedAgainAt.Values.All(t => t is not null);

    /// <summary>From <see cref="LostAt"/> to the last stream followed again; null when one is not (or the client followed nothing).</summary>
    public TimeSpan? Longest => Complete && FollowedAgainAt.Count > 0 ? FollowedAgainAt.Values.Max(t => t!.Value) - LostAt : null;

    /// <summary>The streams nobody followed again.</summary>
    public IReadOnlyList<FollowedStream> NotFollowed => [.. FollowedAgainAt.Where(p => p.Value is null).Select(p => p.Key)];
}

/// <summary>
/// The API server's record of who follows which container log, and when: every <c>follow=true</c> log request
/// from the moment its headers go out to the end of its response. What a test of a shipper cluster asks of it:
/// each stream's follow intervals and by whom, whether two clients followed one container at the same time,
/// and when the streams of a client that died were followed again by another. Identifies clients the way the
/// real API server does, by the user their credentials authenticate (give each shipper its own token).
/// Thread-safe.
/// </summary>
public sealed class LogFollowers
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<Entry> _entries = [];

    internal LogFollowers(TimeProvider time) => _time = time;

    /// <summary>Every follow request so far, in the order they were opened.</summary>
    public IReadOnlyList<FollowInterval> Intervals()
    {
        lock (_gate)
        {
            return [.. _entries.Select(e => e.Interval)];
        }
    }

    /// <summary>The follow requests of one container log, in the order they were opened.</summary>
    public IReadOnlyList<FollowInterval> Intervals(FollowedStream stream) => [.. Intervals().Where(i => i.Stream == stream)];

    /// <summary>The clients following each stream at <paramref name="instant"/> (now when null); streams nobody follows are absent.</summary>
    public IReadOnlyDictionary<FollowedStream, IReadOnlySet<string>> FollowersAt(DateTimeOffset? instant = null)
    {
        var at = instant ?? _time.GetUtcNow();
        return Intervals().Where(i => i.OpenAt(at)).GroupBy(i => i.Stream)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(i => i.Client).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// Every time two different clients had a follow request open on the same container log at once, limited to
    /// what happened after <paramref name="after"/> (an overlap that began earlier and went on past it counts,
    /// from <paramref name="after"/>). One client re-opening its own stream is not an overlap.
    /// </summary>
    public IReadOnlyList<FollowOverlap> Overlaps(DateTimeOffset after = default)
    {
        var overlaps = new List<FollowOverlap>();
        foreach (var group in Intervals().GroupBy(i => i.Stream))
        {
            var list = group.ToList();
            for (var a = 0; a < list.Count; a++)
            {
                for (var b = a + 1; b < list.Count; b++)
                {
                    var (x, y) = (list[a], list[b]);
                    if (x.Client == y.Client)
                    {
                        continue;
                    }

                    var from = Max(Max(x.Opened, y.Opened), after);
                    var to = Min(x.Closed, y.Closed);
                    if (to is null || to > from)
                    {
                        overlaps.Add(new FollowOverlap(group.Key, x.Client, y.Client, from, to));
                    }
                }
            }
        }

        return overlaps;
    }

    /// <summary>
    /// The streams <paramref name="client"/> was following at <paramref name="lostAt"/> (or stopped following
    /// at that very instant), and when each was first
    /// followed by another client from then on (a follow request opened before and still open counts at
    /// <paramref name="lostAt"/>).
    /// </summary>
    public Refollowing Refollowed(string client, DateTimeOffset lostAt)
    {
        var all = Intervals();
        // Closed at the very instant counts: a client killed at lostAt has its connections closed then.
        var lost = all.Where(i => i.Client == client && i.Opened <= lostAt && (i.Closed is null || i.Closed >= lostAt)).Select(i => i.Stream).ToHashSet();
        var again = lost.ToDictionary(s => s, _ => (DateTimeOffset?)null);
        foreach (var i in all)
        {
            if (i.Client != client && (i.Closed is null || i.Closed > lostAt) && again.TryGetValue(i.Stream, out var first))
            {
                var at = Max(i.Opened, lostAt);
                again[i.Stream] = first is null || at < first ? at : first;
            }
        }

        return new Refollowing(client, lostAt, again);
    }

    /// <summary>Records a follow request whose response starts now; dispose the result when it ends.</summary>
    internal IDisposable Open(FollowedStream stream, string client)
    {
        var entry = new Entry(this, new FollowInterval(stream, client, _time.GetUtcNow(), null));
        lock (_gate)
        {
            _entries.Add(entry);
        }

        return entry;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private sealed class Entry(LogFollowers owner, FollowInterval interval) : IDisposable
    {
        public FollowInterval Interval { get; private set; } = interval;

        public void Dispose()
        {
            lock (owner._gate)
            {
                Interval = Interval.Closed is null ? Interval with { Closed = owner._time.GetUtcNow() } : Interval;
            }
        }
    }
}
