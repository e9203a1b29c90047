namespace ActorLoki.Simulator.Loki;

/// <summary>
/// An entry the receiver stored, with the time it was accepted (to measure delivery latency). <see cref="Line"/>
/// is empty when the receiver keeps no lines (<see cref="LokiReceiverOptions.KeepLines"/>); <see cref="LineHash"/>
/// is always set.
/// </summary>
public readonly record struct ReceivedEntry(long TimestampUnixNanos, string Line, IReadOnlyList<KeyValuePair<string, string>> StructuredMetadata, DateTimeOffset AcceptedAt)
{
    /// <summary>The <see cref="Simulator.LineHash"/> of the line's UTF-8 bytes.</summary>
    public ulong LineHash { get; init; }
}

/// <summary>A stream as stored: tenant, canonical labels, and its entries in the order they were accepted.</summary>
public sealed record ReceivedStream(string Tenant, string Labels, IReadOnlyDictionary<string, string> LabelValues, IReadOnlyList<ReceivedEntry> Entries);

/// <summary>Totals of a <see cref="LokiReceiver"/>.</summary>
/// <param name="Requests">Push requests answered (faults included).</param>
/// <param name="RequestsByStatus">Push requests by the status answered (0 for reset or hung connections).</param>
/// <param name="EntriesAccepted">Entries stored.</param>
/// <param name="DuplicatesDropped">Entries dropped silently as exact duplicates (same stream, nanosecond and line).</param>
/// <param name="RejectedByReason">Entries refused, by Loki's reason name (<c>line_too_long</c>, <c>too_far_behind</c>, …).</param>
/// <param name="LineBytesAccepted">Bytes of the lines stored (UTF-8).</param>
public sealed record LokiReceiverStatistics(
    long Requests,
    IReadOnlyDictionary<int, long> RequestsByStatus,
    long EntriesAccepted,
    long DuplicatesDropped,
    IReadOnlyDictionary<string, long> RejectedByReason,
    long LineBytesAccepted)
{
    public long EntriesRejected => RejectedByReason.Values.Sum();
}
