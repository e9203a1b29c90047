using System.Globalization;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;

namespace ActorLoki.Simulator;

/// <summary>
/// Accounts for every line the simulated namespace wrote against what the Loki-compatible receiver stored,
/// the way Loki's canary does: missing, duplicated, out of order, unexpected, and the delay from the
/// kubelet's timestamp to acceptance. Used by the demo's final table, the end-to-end tests and the benchmark.
/// </summary>
public static class DeliveryAudit
{
    /// <summary>
    /// Waits until the receiver holds every readable line of the ledger, waking on each entry it accepts. Returns the
    /// account that was complete, or, once <paramref name="cancellationToken"/> is cancelled, the account as it stands.
    /// </summary>
    public static async Task<DeliveryReport> WaitUntilCompleteAsync(Ledger ledger, LokiReceiver receiver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        while (true)
        {
            // The count is read before the account is taken: an entry arriving in between wakes the wait.
            var accepted = receiver.Statistics.EntriesAccepted;
            var report = Account(ledger, receiver);
            if (report.Complete)
            {
                return report;
            }

            try
            {
                await receiver.WaitForEntriesAsync(accepted + 1, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Account(ledger, receiver);
            }
        }
    }

    /// <summary>
    /// Compares the ledger with the receiver's streams, matching lines by namespace, pod, container, timestamp
    /// and <see cref="LineHash"/> of the line (so it works when neither side keeps the lines' bytes).
    /// </summary>
    public static DeliveryReport Account(Ledger ledger, LokiReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(receiver);
        var received = new Dictionary<(string Ns, string Pod, string Container), Received>();
        foreach (var stream in receiver.Streams())
        {
            var key = (Value(stream, "namespace"), Value(stream, "pod"), Value(stream, "container"));
            if (!received.TryGetValue(key, out var group))
            {
                received[key] = group = new Received();
            }

            group.Entries.AddRange(stream.Entries);
        }

        foreach (var group in received.Values)
        {
            group.Index();
        }

        long delivered = 0, missing = 0, unreadable = 0, outOfOrder = 0, matched = 0;
        var missingExamples = new List<string>();
        var lastIndex = new Dictionary<int, int>();
        var latencies = new List<double>();
        Received? current = null;
        LedgerStream? currentStream = null;
        foreach (var line in ledger.Lines())
        {
            if (!ReferenceEquals(line.Stream, currentStream))
            {
                currentStream = line.Stream;
                current = received.GetValueOrDefault((line.Stream.Namespace, line.Stream.Pod, line.Stream.Container));
            }

            if (current is not null && current.PositionOf.TryGetValue((line.Timestamp, line.ContentHash), out var at))
            {
                delivered++;
                if (!current.Matched[at])
                {
                    current.Matched[at] = true;
                    matched++;
                }

                if (lastIndex.TryGetValue(line.Stream.Id, out var previous) && at < previous)
                {
                    outOfOrder++;
                }

                lastIndex[line.Stream.Id] = at;
                var accepted = current.Entries[at].AcceptedAt;
                latencies.Add(((accepted.ToUnixTimeMilliseconds() * 1_000_000.0) - line.Timestamp) / 1e9);
            }
            else if (line.State is LedgerLineState.RotatedUnread or LedgerLineState.DeletedUnread or LedgerLineState.CollectedUnread)
            {
                unreadable++;
            }
            else
            {
                missing++;
                if (missingExamples.Count < 5)
                {
                    missingExamples.Add($"{line.Stream.Pod}/{line.Stream.Container}#{line.Stream.Instance} seq={line.Sequence} ({line.State})");
                }
            }
        }

        latencies.Sort();
        var totalReceived = received.Values.Sum(g => g.Entries.Count);
        var visibleDuplicates = received.Values.Sum(g => g.Entries.Count - g.Entries.Select(e => e.LineHash).Distinct().Count());
        return new DeliveryReport(
            ledger.Count,
            delivered,
            missing,
            unreadable,
            visibleDuplicates,
            totalReceived - matched,
            outOfOrder,
            receiver.Statistics.DuplicatesDropped,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            missingExamples);
    }

    private static string Value(ReceivedStream stream, string label) => stream.LabelValues.GetValueOrDefault(label) ?? string.Empty;

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The entries one container's lines were stored as (every instance, every stream), and where each is.</summary>
    private sealed class Received
    {
        public List<ReceivedEntry> Entries { get; } = [];

        public Dictionary<(long Timestamp, ulong Hash), int> PositionOf { get; } = [];

        public bool[] Matched { get; private set; } = [];

        public void Index()
        {
            PositionOf.EnsureCapacity(Entries.Count);
            for (var i = 0; i < Entries.Count; i++)
            {
                PositionOf.TryAdd((Entries[i].TimestampUnixNanos, Entries[i].LineHash), i);
            }

            Matched = new bool[Entries.Count];
        }
    }
}

/// <summary>
/// The ledger against the receiver. <see cref="Unreadable"/> lines were rotated away, collected, or deleted
/// with their pod before anyone could read them; they are the only lines allowed to be absent.
/// </summary>
/// <param name="Written">Lines the simulator wrote.</param>
/// <param name="Delivered">Lines the receiver stored, with their kubelet timestamp.</param>
/// <param name="Missing">Readable lines the receiver does not have.</param>
/// <param name="Unreadable">Lines nobody could have read (rotated away, deleted with their pod).</param>
/// <param name="VisibleDuplicates">Lines stored twice (with different timestamps: Loki would show both).</param>
/// <param name="Unexpected">Stored entries that match no line written (altered or re-stamped).</param>
/// <param name="OutOfOrder">Lines stored before a line written earlier in the same container instance.</param>
/// <param name="ResentAndDeduplicated">Entries sent again with their original timestamp, which the receiver dropped as Loki does.</param>
/// <param name="LatencyP50Seconds">Median time from the kubelet's timestamp to acceptance by the receiver.</param>
/// <param name="LatencyP99Seconds">99th percentile of the same.</param>
public sealed record DeliveryReport(
    long Written,
    long Delivered,
    long Missing,
    long Unreadable,
    long VisibleDuplicates,
    long Unexpected,
    long OutOfOrder,
    long ResentAndDeduplicated,
    double LatencyP50Seconds,
    double LatencyP99Seconds,
    IReadOnlyList<string> MissingExamples)
{
    /// <summary>Every readable line is delivered.</summary>
    public bool Complete => Missing == 0 && Delivered + Unreadable == Written;

    /// <summary>Complete, and nothing duplicated, altered or out of order.</summary>
    public bool ExactlyOnce => Complete && VisibleDuplicates == 0 && Unexpected == 0 && OutOfOrder == 0;

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"written {Written}, delivered {Delivered}, missing {Missing}, unreadable {Unreadable}, visible duplicates {VisibleDuplicates}, unexpected {Unexpected}, out of order {OutOfOrder}, re-sent and de-duplicated by Loki {ResentAndDeduplicated}, latency p50 {LatencyP50Seconds:0.000}s p99 {LatencyP99Seconds:0.000}s{(MissingExamples.Count > 0 ? "; e.g. " + string.Join(", ", MissingExamples) : "")}");
}
