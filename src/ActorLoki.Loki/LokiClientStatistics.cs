namespace ActorLoki.Loki;

/// <summary>Totals of a <see cref="LokiClient"/> since it was created (the same figures as its metrics).</summary>
/// <param name="Requests">Requests sent, whatever their answer.</param>
/// <param name="BytesSent">Request body bytes sent (compressed).</param>
/// <param name="EntriesAccepted">Entries in requests Loki answered 2xx, plus those it kept from a 400 (estimated).</param>
/// <param name="LinesTruncated">Lines cut to max-line-bytes.</param>
/// <param name="LinesRepaired">Lines whose invalid UTF-8 was replaced.</param>
/// <param name="Dropped">Entries dropped, by reason.</param>
public sealed record LokiClientStatistics(long Requests, long BytesSent, long EntriesAccepted, long LinesTruncated, long LinesRepaired, IReadOnlyDictionary<DropReason, long> Dropped);
