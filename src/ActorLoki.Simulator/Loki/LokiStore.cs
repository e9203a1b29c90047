using System.Text;

namespace ActorLoki.Simulator.Loki;

/// <summary>
/// The receiver's ingester: streams per tenant and canonical label set, kept in memory. It applies the
/// ingester's rules — an entry older than the stream's newest by more than half of <c>max_chunk_age</c>
/// is refused as too far behind; an exact duplicate (same nanosecond, same line) is dropped silently —
/// and keeps the totals and the waiters of "N entries received".
/// </summary>
internal sealed class LokiStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Labels), StoredStream> _streams = [];
    private readonly Dictionary<int, long> _requestsByStatus = [];
    private readonly Dictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly List<(long Count, TaskCompletionSource Done)> _entryWaiters = [];
    private readonly List<(long Count, TaskCompletionSource Done)> _requestWaiters = [];
    private readonly LokiReceiverOptions _options;
    private long _requests;
    private long _accepted;
    private long _duplicates;
    private long _lineBytes;

    public LokiStore(LokiReceiverOptions options) => _options = options;

    /// <summary>
    /// Stores the valid entries of <paramref name="streams"/> for <paramref name="tenant"/>. Returns the
    /// ingester's answer for the last stream that had entries refused (as Loki's ingester does), or null.
    /// </summary>
    public string? Append(string tenant, IReadOnlyList<ValidStream> streams)
    {
        string? error = null;
        List<TaskCompletionSource>? done;
        var acceptedAt = _options.Time.GetUtcNow();
        var window = _options.MaxChunkAge.Ticks * 100 / 2;
        lock (_gate)
        {
            foreach (var stream in streams)
            {
                if (!_streams.TryGetValue((tenant, stream.Labels), out var stored))
                {
                    stored = new StoredStream(tenant, stream.Labels, stream.LabelPairs);
                    _streams.Add((tenant, stream.Labels), stored);
                }

                List<(IncomingEntry Entry, string Reason)>? refused = null;
                foreach (var entry in stream.Entries)
                {
                    var hash = LineHash.Of(entry.Line);
                    if (entry.TimestampUnixNanos == stored.LastTimestamp && hash == stored.LastHash)
                    {
                        _duplicates++;
                        continue;
                    }

                    var cutoff = stored.Highest - window;
                    if (stored.Entries.Count > 0 && entry.TimestampUnixNanos < cutoff)
                    {
                        (refused ??= []).Add((entry, $"entry too far behind, entry timestamp is: {GoText.Rfc3339(entry.TimestampUnixNanos)}, oldest acceptable timestamp is: {GoText.Rfc3339(cutoff)}"));
                        continue;
                    }

                    stored.LastTimestamp = entry.TimestampUnixNanos;
                    stored.LastHash = hash;
                    if (!stored.Keys.Add((entry.TimestampUnixNanos, hash)))
                    {
                        _duplicates++;
                        continue;
                    }

                    stored.Highest = Math.Max(stored.Highest, entry.TimestampUnixNanos);
                    stored.Entries.Add(new ReceivedEntry(entry.TimestampUnixNanos, _options.KeepLines ? entry.Line : string.Empty, entry.Metadata, acceptedAt) { LineHash = hash });
                    _accepted++;
                    _lineBytes += Encoding.UTF8.GetByteCount(entry.Line);
                }

                if (refused is not null)
                {
                    _rejected["too_far_behind"] = _rejected.GetValueOrDefault("too_far_behind") + refused.Count;
                    error = IngesterError(tenant, stream.Labels, refused, stream.Entries.Count);
                }
            }

            done = Release(_entryWaiters, _accepted);
        }

        Complete(done);
        return error;
    }

    public void Rejected(string reason, int entries)
    {
        lock (_gate)
        {
            _rejected[reason] = _rejected.GetValueOrDefault(reason) + entries;
        }
    }

    public void Answered(int status)
    {
        List<TaskCompletionSource>? done;
        lock (_gate)
        {
            _requests++;
            _requestsByStatus[status] = _requestsByStatus.GetValueOrDefault(status) + 1;
            done = Release(_requestWaiters, _requests);
        }

        Complete(done);
    }

    public Task WaitForEntriesAsync(long count, CancellationToken cancellationToken) => Wait(_entryWaiters, () => _accepted, count, cancellationToken);

    public Task WaitForRequestsAsync(long count, CancellationToken cancellationToken) => Wait(_requestWaiters, () => _requests, count, cancellationToken);

    public LokiReceiverStatistics Statistics()
    {
        lock (_gate)
        {
            return new LokiReceiverStatistics(_requests, new Dictionary<int, long>(_requestsByStatus), _accepted, _duplicates, new Dictionary<string, long>(_rejected), _lineBytes);
        }
    }

    public List<ReceivedStream> Snapshot(string? tenant = null)
    {
        lock (_gate)
        {
            return _streams.Values
                .Where(s => tenant is null || s.Tenant == tenant)
                .OrderBy(s => s.Tenant, StringComparer.Ordinal).ThenBy(s => s.Labels, StringComparer.Ordinal)
                .Select(s => new ReceivedStream(s.Tenant, s.Labels, s.LabelPairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), s.Entries.ToArray()))
                .ToList();
        }
    }

    /// <summary>The streams of a tenant with their entries (copied), for the query API.</summary>
    public List<(KeyValuePair<string, string>[] Labels, ReceivedEntry[] Entries)> Select(string tenant, Func<KeyValuePair<string, string>[], bool> matches, long start, long end)
    {
        lock (_gate)
        {
            return _streams.Values
                .Where(s => s.Tenant == tenant && matches(s.LabelPairs))
                .Select(s => (s.LabelPairs, s.Entries.Where(e => e.TimestampUnixNanos >= start && e.TimestampUnixNanos < end).ToArray()))
                .ToList();
        }
    }

    private string IngesterError(string tenant, string labels, List<(IncomingEntry Entry, string Reason)> refused, int total)
    {
        var text = new StringBuilder();
        foreach (var (entry, reason) in refused.Take(_options.MaxReturnedErrors > 0 ? _options.MaxReturnedErrors : int.MaxValue))
        {
            text.Append("entry with timestamp ").Append(GoText.TimeString(entry.TimestampUnixNanos)).Append(" ignored, reason: '").Append(reason).Append("',\n");
        }

        return text.Append("user '").Append(tenant).Append("', total ignored: ").Append(refused.Count).Append(" out of ").Append(total).Append(" for stream: ").Append(labels).ToString();
    }

    private Task Wait(List<(long Count, TaskCompletionSource Done)> waiters, Func<long> current, long count, CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (current() >= count)
            {
                return Task.CompletedTask;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, done));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    private static List<TaskCompletionSource>? Release(List<(long Count, TaskCompletionSource Done)> waiters, long reached)
    {
        List<TaskCompletionSource>? done = null;
        for (var i = waiters.Count - 1; i >= 0; i--)
        {
            if (waiters[i].Count <= reached)
            {
                (done ??= []).Add(waiters[i].Done);
                waiters.RemoveAt(i);
            }
        }

        return done;
    }

    private static void Complete(List<TaskCompletionSource>? done)
    {
        foreach (var waiter in done ?? [])
        {
            waiter.TrySetResult();
        }
    }

    private sealed class StoredStream(string tenant, string labels, KeyValuePair<string, string>[] labelPairs)
    {
        public string Tenant { get; } = tenant;

        public string Labels { get; } = labels;

        public KeyValuePair<string, string>[] LabelPairs { get; } = labelPairs;

        public List<ReceivedEntry> Entries { get; } = [];

        /// <summary>Timestamp and <see cref="LineHash"/> of every entry: Loki's duplicate check, without keeping the lines.</summary>
        public HashSet<(long, ulong)> Keys { get; } = [];

        public long Highest { get; set; } = long.MinValue;

        public long LastTimestamp { get; set; } = long.MinValue;

        public ulong LastHash { get; set; }
    }
}

/// <summary>A stream that passed the distributor's checks: canonical labels and its valid entries.</summary>
internal sealed record ValidStream(string Labels, KeyValuePair<string, string>[] LabelPairs, List<IncomingEntry> Entries);
