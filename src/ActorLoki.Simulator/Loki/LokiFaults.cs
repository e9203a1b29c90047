namespace ActorLoki.Simulator.Loki;

/// <summary>A misbehaviour the receiver can be told to show.</summary>
public abstract record LokiFault
{
    private protected LokiFault()
    {
    }

    /// <summary>Answer with <paramref name="statusCode"/> (429, 500, 503, 401, …), an optional <c>Retry-After</c> header and body; nothing is stored.</summary>
    public static LokiFault Status(int statusCode, string? retryAfter = null, string? body = null) => new StatusFault(statusCode, retryAfter, body);

    /// <summary>Answer 413 to a request whose body (as sent, compressed) is larger than <paramref name="maxBodyBytes"/>; smaller ones are handled normally.</summary>
    public static LokiFault TooLargeAbove(long maxBodyBytes) => new TooLargeFault(maxBodyBytes);

    /// <summary>Wait <paramref name="delay"/> (on the receiver's clock) before handling the request normally.</summary>
    public static LokiFault Slow(TimeSpan delay) => new SlowFault(delay);

    /// <summary>Never answer: hold the request until the client gives up (or the receiver stops).</summary>
    public static LokiFault Hang { get; } = new HangFault();

    /// <summary>Abort the connection without an answer.</summary>
    public static LokiFault Reset { get; } = new ResetFault();

    internal sealed record StatusFault(int StatusCode, string? RetryAfter, string? Body) : LokiFault;

    internal sealed record TooLargeFault(long MaxBodyBytes) : LokiFault;

    internal sealed record SlowFault(TimeSpan Delay) : LokiFault;

    internal sealed record HangFault : LokiFault;

    internal sealed record ResetFault : LokiFault;
}

/// <summary>
/// The faults armed on a receiver. Each push request takes the first rule that applies: a rule for the
/// next N requests is used up one request at a time; a rule for a window applies until the window ends
/// (on the receiver's clock); a permanent rule until <see cref="Clear"/>. A 413 rule applies only to
/// bodies above its size (and is not used up by smaller ones).
/// </summary>
public sealed class LokiFaults
{
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];
    private readonly TimeProvider _time;

    internal LokiFaults(TimeProvider time) => _time = time;

    /// <summary>
    /// Applies <paramref name="fault"/> to the next <paramref name="requests"/> push requests, after letting
    /// <paramref name="skip"/> requests through untouched (to fail, say, the second request of a batch).
    /// </summary>
    public void Next(int requests, LokiFault fault, int skip = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requests);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        Add(new Rule(fault, requests, null) { Skip = skip });
    }

    /// <summary>Applies <paramref name="fault"/> to every push request for <paramref name="window"/> from now.</summary>
    public void During(TimeSpan window, LokiFault fault) => Add(new Rule(fault, null, _time.GetUtcNow() + window));

    /// <summary>Applies <paramref name="fault"/> to every push request until <see cref="Clear"/>.</summary>
    public void Always(LokiFault fault) => Add(new Rule(fault, null, null));

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    internal LokiFault? Take(long bodyBytes)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _rules.RemoveAll(r => r.Until <= now || r.Remaining == 0);
            foreach (var rule in _rules)
            {
                if (rule.Fault is LokiFault.TooLargeFault tooLarge && bodyBytes <= tooLarge.MaxBodyBytes)
                {
                    continue;
                }

                if (rule.Skip > 0)
                {
                    rule.Skip--;
                    return null;
                }

                if (rule.Remaining is { } remaining)
                {
                    rule.Remaining = remaining - 1;
                }

                return rule.Fault;
            }

            return null;
        }
    }

    private void Add(Rule rule)
    {
        ArgumentNullException.ThrowIfNull(rule.Fault);
        lock (_gate)
        {
            _rules.Add(rule);
        }
    }

    private sealed class Rule(LokiFault fault, int? remaining, DateTimeOffset? until)
    {
        public LokiFault Fault { get; } = fault;

        public int? Remaining { get; set; } = remaining;

        public DateTimeOffset? Until { get; } = until;

        public int Skip { get; set; }
    }
}
