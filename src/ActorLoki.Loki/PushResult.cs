namespace ActorLoki.Loki;

/// <summary>What a push of a batch came to, which decides what the pusher does next.</summary>
public enum PushOutcome
{
    /// <summary>Loki stored every entry (204/2xx). Acknowledge the batch.</summary>
    Success,

    /// <summary>
    /// Loki answered every request, but refused some entries (400, or 413 for a single entry) or the
    /// client dropped over-long lines; they are counted in <see cref="PushResult.Dropped"/>. Never retry
    /// (Loki stored the valid streams of the request): acknowledge the batch.
    /// </summary>
    Rejected,

    /// <summary>
    /// 429, 5xx other than 501, a timeout or a transport error. Retry after a back-off (at least
    /// <see cref="PushResult.RetryAfter"/> when Loki sent one), resuming at <see cref="PushResult.Resume"/>.
    /// </summary>
    Retryable,

    /// <summary>
    /// 401, 403, 404, 501, another 4xx, a redirect, or a TLS failure: something only a person can fix.
    /// Retry at the maximum back-off, resuming at <see cref="PushResult.Resume"/>; never drop; report loudly.
    /// </summary>
    ConfigurationError,
}

/// <summary>The result of <see cref="LokiClient.PushAsync"/>.</summary>
public sealed record PushResult
{
    public required long BatchId { get; init; }

    public required PushOutcome Outcome { get; init; }

    /// <summary>True when the batch is done with (acknowledge it): <see cref="PushOutcome.Success"/> or <see cref="PushOutcome.Rejected"/>.</summary>
    public bool IsFinal => Outcome is PushOutcome.Success or PushOutcome.Rejected;

    /// <summary>Where a retry must start: after the requests Loki already answered. The end of the batch when final.</summary>
    public PushCursor Resume { get; init; }

    /// <summary>HTTP status of the answer that decided the outcome; null for a timeout or transport error.</summary>
    public int? StatusCode { get; init; }

    /// <summary>How long Loki asked the client to wait (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>For logs: Loki's message (truncated) or the transport error. Never holds credentials.</summary>
    public string? Detail { get; init; }

    /// <summary>Requests sent by this call.</summary>
    public int Requests { get; init; }

    /// <summary>Entries Loki answered for in this call, stored or dropped.</summary>
    public int EntriesAnswered { get; init; }

    /// <summary>Entries dropped, by reason (only reasons with drops). Counts from a 400 are estimated from Loki's message.</summary>
    public IReadOnlyDictionary<DropReason, int> Dropped { get; init; } = new Dictionary<DropReason, int>();

    /// <summary>Lines truncated to <c>max-line-bytes</c> in the answered requests.</summary>
    public int Truncated { get; init; }

    /// <summary>Lines whose invalid UTF-8 was replaced with U+FFFD in the answered requests.</summary>
    public int Repaired { get; init; }

    public int TotalDropped => Dropped.Values.Sum();
}
