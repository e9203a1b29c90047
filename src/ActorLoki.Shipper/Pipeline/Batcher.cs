using ActorLoki.Actors;
using ActorLoki.Loki;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Pipeline;

/// <summary>
/// Groups the lines of every tail by label set and hands batches to the pusher, keeping each batch until
/// Loki has acknowledged it. It owns the memory budget: a tail's chunk is paid for with credit, and while
/// the lines buffered exceed <c>buffer.max-bytes</c> the credit is withheld, so tails stop reading (the
/// kubelet keeps the file) instead of the shipper dropping or growing.
/// </summary>
/// <remarks>
/// Invariants, kept by this actor alone:
/// <list type="bullet">
/// <item>A label set has at most one batch in flight; lines of one stream reach Loki in the order read.</item>
/// <item>A position is handed to the <see cref="PositionsKeeper"/> only when Loki acknowledged (or finally
/// refused) every line before it, and positions of one stream are handed over in order.</item>
/// <item><see cref="_buffered"/> is the memory of every chunk appended and not yet acknowledged.</item>
/// <item>One batch is in flight at a time; a restarted pusher is given the same batch again, from where
/// the failed attempt stopped (the client's resume cursor), so acknowledged requests are not re-sent.</item>
/// </list>
/// </remarks>
public sealed partial class Batcher : ReceiveActor, IWithTimers
{
    private const string FlushTimer = "flush";

    private readonly BatcherOptions _options;
    private readonly IActorRef _positions;
    private readonly ShipperMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Dictionary<LabelSet, StreamBuffer> _streams = [];

    // Streams whose pending lines became non-empty, in that order: the head is the next to fall due.
    private readonly Queue<(StreamBuffer Stream, long Generation)> _dueOrder = new();
    private readonly HashSet<StreamBuffer> _ready = [];
    private readonly Queue<(IActorRef Tail, long Bytes)> _withheldCredit = new();

    private long _buffered;
    private long _nextBatchId = 1;
    private InFlight? _inFlight;
    private IActorRef? _pusher;
    private bool _pusherWaiting;
    private DateTimeOffset? _flushTimerAt;
    private IActorRef? _drainRequester;

    public Batcher(BatcherOptions options, IActorRef positions, ShipperMetrics metrics)
    {
        _options = options;
        _positions = positions;
        _metrics = metrics;
        _time = Context.System.Settings.TimeProvider;

        Receive<Append>(OnAppend);
        Receive<RequestWork>(OnRequestWork);
        Receive<PushCompleted>(OnPushCompleted);
        Receive<PushFailed>(OnPushFailed);
        Receive<FlushDue>(_ => OnFlushDue());
        Receive<Drain>(_ => OnDrain());
        Receive<GetStatus>(_ => Sender.Tell(Status()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BatcherOptions options, IActorRef positions, ShipperMetrics metrics) =>
        Actors.Props.Create(() => new Batcher(options, positions, metrics));

    /// <summary>
    /// A chunk of lines from a tail (the sender), all of one stream, in the order read. The entries' line
    /// bytes live in one buffer of <paramref name="MemoryBytes"/>, owned from now on by the batcher, which
    /// disposes <paramref name="Owner"/> once Loki has the lines; after them the stream's position is
    /// <paramref name="PositionAfter"/>. The sender is repaid <paramref name="MemoryBytes"/> of credit.
    /// </summary>
    public sealed record Append(StreamInfo Stream, LogEntry[] Entries, int Count, long MemoryBytes, StreamPosition PositionAfter, long NewestTimestamp, IDisposable? Owner = null);

    /// <summary>Credit for a tail to read more: the memory of chunks it appended.</summary>
    public sealed record Credit(long Bytes);

    /// <summary>From the pusher: ready to push a batch (a restarted pusher is given the unacknowledged one again).</summary>
    public sealed record RequestWork
    {
        public static readonly RequestWork Instance = new();
    }

    /// <summary>To the pusher: push <paramref name="Batch"/> from <paramref name="Resume"/>; this is attempt <paramref name="Attempt"/>.</summary>
    public sealed record PushWork(PushBatch Batch, PushCursor Resume, int Attempt);

    /// <summary>From the pusher: Loki answered every request of the batch (accepted, or refused for good).</summary>
    public sealed record PushCompleted(long BatchId, PushResult Result);

    /// <summary>From the pusher, before it fails: the batch must be retried from the result's resume cursor.</summary>
    public sealed record PushFailed(long BatchId, PushResult Result);

    /// <summary>Push everything buffered now, whatever its age; answered with <see cref="Drained"/> once Loki has it all.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    public sealed record Drained
    {
        public static readonly Drained Instance = new();
    }

    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>What the batcher holds now (for the demo, readiness and the debug endpoint).</summary>
    public sealed record BatcherStatus(long BufferedBytes, int Streams, int PendingLines, bool BatchInFlight, int InFlightAttempts, int TailsWaitingForCredit);

    private sealed record FlushDue
    {
        public static readonly FlushDue Instance = new();
    }

    private void OnAppend(Append append)
    {
        if (append.Count == 0)
        {
            append.Owner?.Dispose();
            Sender.Tell(new Credit(append.MemoryBytes));
            return;
        }

        if (!_streams.TryGetValue(append.Stream.Labels, out var stream))
        {
            stream = new StreamBuffer(append.Stream.Labels);
            _streams.Add(append.Stream.Labels, stream);
        }

        var wasEmpty = stream.Pending.Count == 0;
        long lineBytes = 0;
        for (var i = 0; i < append.Count; i++)
        {
            ref readonly var entry = ref append.Entries[i];
            stream.Pending.Add(entry);
            lineBytes += entry.Line.Length;
        }

        stream.Chunks.Add(new ChunkRecord(append.Stream, append.PositionAfter, append.MemoryBytes, append.NewestTimestamp, append.Owner));
        stream.PendingBytes += lineBytes;
        _buffered += append.MemoryBytes;
        _metrics.BufferedBytes = _buffered;

        if (wasEmpty)
        {
            stream.Generation++;
            stream.FirstPendingAt = _time.GetUtcNow();
            _dueOrder.Enqueue((stream, stream.Generation));
            ScheduleFlush();
        }

        if (stream.PendingBytes >= _options.MaxBytes || (_options.MaxLines > 0 && stream.Pending.Count >= _options.MaxLines))
        {
            _ready.Add(stream);
            TryDispatch();
        }

        PayOrWithhold(Sender, append.MemoryBytes);
    }

    private void PayOrWithhold(IActorRef tail, long bytes)
    {
        if (_buffered <= _options.BufferMaxBytes && _withheldCredit.Count == 0)
        {
            tail.Tell(new Credit(bytes));
            return;
        }

        if (_options.WhenFull == BufferFullPolicy.DropOldest)
        {
            DropOldestPending();
            if (_buffered <= _options.BufferMaxBytes)
            {
                tail.Tell(new Credit(bytes));
                return;
            }
        }

        _withheldCredit.Enqueue((tail, bytes));
    }

    private void ReleaseCredit()
    {
        while (_withheldCredit.Count > 0 && _buffered <= _options.BufferMaxBytes)
        {
            var (tail, bytes) = _withheldCredit.Dequeue();
            tail.Tell(new Credit(bytes));
        }
    }

    /// <summary>
    /// The drop-oldest policy: drops the pending lines of the stream waiting longest, as long as the budget
    /// is exceeded. A stream with a batch in flight keeps its lines (its positions must stay in order), so
    /// when only such streams hold memory the tails wait as with the block policy.
    /// </summary>
    private void DropOldestPending()
    {
        foreach (var stream in _streams.Values.Where(s => !s.InFlight && s.Pending.Count > 0).OrderBy(s => s.FirstPendingAt).ToList())
        {
            if (_buffered <= _options.BufferMaxBytes)
            {
                return;
            }

            _metrics.LinesDropped.Add(stream.Pending.Count, ShipperMetrics.Reason("buffer_full"));
            LogDroppedBufferFull(Context.Log, stream.Pending.Count, stream.Labels.Text);
            Acknowledge(stream.Chunks, acknowledgedAt: null);
            stream.ClearPending();
            _ready.Remove(stream);
        }
    }

    private void ScheduleFlush()
    {
        while (_dueOrder.TryPeek(out var head) && (head.Generation != head.Stream.Generation || head.Stream.Pending.Count == 0))
        {
            _dueOrder.Dequeue();
        }

        if (!_dueOrder.TryPeek(out var next))
        {
            return;
        }

        var due = next.Stream.FirstPendingAt + _options.MaxWait;
        if (_flushTimerAt == due)
        {
            return;
        }

        _flushTimerAt = due;
        var delay = due - _time.GetUtcNow();
        Timers.StartSingleTimer(FlushTimer, FlushDue.Instance, delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
    }

    private void OnFlushDue()
    {
        _flushTimerAt = null;
        var now = _time.GetUtcNow();
        while (_dueOrder.TryPeek(out var head))
        {
            if (head.Generation != head.Stream.Generation || head.Stream.Pending.Count == 0)
            {
                _dueOrder.Dequeue();
                continue;
            }

            if (head.Stream.FirstPendingAt + _options.MaxWait > now)
            {
                break;
            }

            _dueOrder.Dequeue();
            _ready.Add(head.Stream);
        }

        TryDispatch();
        ScheduleFlush();
    }

    private void OnRequestWork(RequestWork _)
    {
        var fromNewPusher = !Sender.Equals(_pusher);
        _pusher = Sender;
        _pusherWaiting = true;
        if (fromNewPusher && _inFlight is not null)
        {
            // The pusher that had the batch failed and was restarted: give the new one the same batch.
            _inFlight.Attempts++;
            if (!GiveUpIfRetriesExhausted())
            {
                _pusherWaiting = false;
                _pusher.Tell(new PushWork(_inFlight.Batch, _inFlight.Resume, _inFlight.Attempts));
            }

            return;
        }

        TryDispatch();
    }

    private void TryDispatch()
    {
        if (!_pusherWaiting || _pusher is null || _inFlight is not null || _ready.Count == 0)
        {
            return;
        }

        var batch = new PushBatch(_nextBatchId++);
        var streams = new List<StreamBuffer>();
        var chunks = new List<ChunkRecord>();
        foreach (var stream in _ready)
        {
            if (stream.Pending.Count == 0 || stream.InFlight)
            {
                continue;
            }

            batch.Add(stream.Pending);
            chunks.AddRange(stream.Chunks);
            streams.Add(stream);
            stream.TakePending();
        }

        _ready.Clear();
        if (streams.Count == 0)
        {
            return;
        }

        _inFlight = new InFlight(batch, streams, chunks);
        _pusherWaiting = false;
        _pusher.Tell(new PushWork(batch, PushCursor.Start, 1));
        ScheduleFlush();
    }

    private void OnPushCompleted(PushCompleted completed)
    {
        if (_inFlight is null || _inFlight.Batch.Id != completed.BatchId)
        {
            return; // an answer for a batch already settled (a late reply from a replaced pusher)
        }

        // Lines Loki refused (400) or that were truncated are counted by the Loki client, under the same
        // metric names (actorloki_lines_dropped_total{reason}, actorloki_lines_truncated_total).
        var result = completed.Result;
        var now = _time.GetUtcNow();
        var sentLines = _inFlight.Batch.EntryCount - result.TotalDropped;
        _metrics.LinesSent.Add(sentLines);
        _metrics.BytesSent.Add(_inFlight.Batch.LineBytes);
        _metrics.BatchesSent.Add(1);
        _metrics.LastPushSuccess = now;
        Settle(now);
    }

    private void OnPushFailed(PushFailed failed)
    {
        if (_inFlight is null || _inFlight.Batch.Id != failed.BatchId)
        {
            return;
        }

        _inFlight.Resume = failed.Result.Resume;
        _metrics.PushRetries.Add(1, ShipperMetrics.Reason(RetryReason(failed.Result)));
    }

    /// <summary>Past <c>retry.max-retries</c> a batch is dropped and counted; -1 never gives up.</summary>
    private bool GiveUpIfRetriesExhausted()
    {
        if (_inFlight is null || _options.MaxRetries < 0 || _inFlight.Attempts <= _options.MaxRetries + 1)
        {
            return false;
        }

        var lines = _inFlight.Batch.EntryCount;
        _metrics.LinesDropped.Add(lines, ShipperMetrics.Reason("retries_exhausted"));
        LogGaveUp(Context.Log, _inFlight.Batch.Id, lines, _inFlight.Attempts - 1);
        Settle(acknowledgedAt: null);
        return true;
    }

    /// <summary>The in-flight batch is done with: positions move on, memory and credit are released.</summary>
    private void Settle(DateTimeOffset? acknowledgedAt)
    {
        var inFlight = _inFlight!;
        _inFlight = null;
        Acknowledge(inFlight.Chunks, acknowledgedAt);
        foreach (var stream in inFlight.Streams)
        {
            stream.InFlight = false;
            if (stream.Pending.Count > 0 && IsDue(stream))
            {
                _ready.Add(stream);
            }
        }

        ReleaseCredit();
        TryDispatch();
        CompleteDrainIfEmpty();
    }

    private bool IsDue(StreamBuffer stream) =>
        _drainRequester is not null
        || stream.PendingBytes >= _options.MaxBytes
        || (_options.MaxLines > 0 && stream.Pending.Count >= _options.MaxLines)
        || stream.FirstPendingAt + _options.MaxWait <= _time.GetUtcNow();

    /// <summary>Hands the chunks' positions to the keeper (the last per stream) and frees their memory.</summary>
    private void Acknowledge(List<ChunkRecord> chunks, DateTimeOffset? acknowledgedAt)
    {
        var now = _time.GetUtcNow();
        var latest = new Dictionary<StreamKey, SavedPosition>();
        foreach (var chunk in chunks)
        {
            // The lines are in Loki (or will never be sent): their buffer goes back to the pool.
            chunk.Owner?.Dispose();
            _buffered -= chunk.MemoryBytes;
            latest[chunk.Stream.Key] = new SavedPosition(chunk.Stream.Key, chunk.Stream.Namespace, chunk.Stream.Pod, chunk.PositionAfter, now);
            if (acknowledgedAt is { } at)
            {
                var lag = (at.ToUnixTimeMilliseconds() * 1_000_000L) - chunk.NewestTimestamp;
                _metrics.EndToEndLag.Record(Math.Max(0, lag) / 1e9);
            }
        }

        _metrics.BufferedBytes = _buffered;
        if (latest.Count > 0)
        {
            _positions.Tell(new PositionsKeeper.Acknowledged([.. latest.Values]));
        }
    }

    private void OnDrain()
    {
        _drainRequester = Sender;
        foreach (var stream in _streams.Values.Where(s => s.Pending.Count > 0))
        {
            _ready.Add(stream);
        }

        TryDispatch();
        CompleteDrainIfEmpty();
    }

    private void CompleteDrainIfEmpty()
    {
        if (_drainRequester is null)
        {
            return;
        }

        if (_inFlight is null && _streams.Values.All(s => s.Pending.Count == 0))
        {
            _drainRequester.Tell(Drained.Instance);
            _drainRequester = null;
            return;
        }

        // Lines that arrived while draining are pushed too.
        foreach (var stream in _streams.Values.Where(s => s.Pending.Count > 0 && !s.InFlight))
        {
            _ready.Add(stream);
        }

        TryDispatch();
    }

    private BatcherStatus Status() => new(
        _buffered,
        _streams.Count,
        _streams.Values.Sum(s => s.Pending.Count),
        _inFlight is not null,
        _inFlight?.Attempts ?? 0,
        _withheldCredit.Count);

    private static string RetryReason(PushResult result) => result switch
    {
        { Outcome: PushOutcome.ConfigurationError } => "config_error",
        { StatusCode: 429 } => "rate_limited",
        { StatusCode: >= 500 } => "server_error",
        { StatusCode: 413 } => "too_large",
        { StatusCode: null } => "transport",
        _ => "other",
    };

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Gave up on batch {BatchId} after {Retries} retries (loki.retry.max-retries): {Lines} lines dropped")]
    private static partial void LogGaveUp(ILogger logger, long batchId, int lines, int retries);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Buffer full (loki.buffer.when-full = drop-oldest): dropped {Lines} pending lines of {Labels}")]
    private static partial void LogDroppedBufferFull(ILogger logger, int lines, string labels);

    /// <summary>A chunk appended by a tail, remembered until Loki acknowledges it.</summary>
    private sealed record ChunkRecord(StreamInfo Stream, StreamPosition PositionAfter, long MemoryBytes, long NewestTimestamp, IDisposable? Owner);

    /// <summary>The lines of one label set that are not yet in a batch.</summary>
    private sealed class StreamBuffer(LabelSet labels)
    {
        public LabelSet Labels { get; } = labels;

        public PushStream Pending { get; private set; } = new(labels);

        public List<ChunkRecord> Chunks { get; private set; } = [];

        public long PendingBytes { get; set; }

        public DateTimeOffset FirstPendingAt { get; set; }

        /// <summary>Bumped when pending lines start anew, so stale entries of the due queue are recognised.</summary>
        public long Generation { get; set; }

        public bool InFlight { get; set; }

        /// <summary>Moves the pending lines into a batch: the stream is in flight until it is settled.</summary>
        public void TakePending()
        {
            Pending = new PushStream(Labels, Math.Max(16, Pending.Count));
            Chunks = [];
            PendingBytes = 0;
            InFlight = true;
            Generation++;
        }

        public void ClearPending()
        {
            Pending.Clear();
            Chunks = [];
            PendingBytes = 0;
            Generation++;
        }
    }

    private sealed class InFlight(PushBatch batch, List<StreamBuffer> streams, List<ChunkRecord> chunks)
    {
        public PushBatch Batch { get; } = batch;

        public List<StreamBuffer> Streams { get; } = streams;

        public List<ChunkRecord> Chunks { get; } = chunks;

        public PushCursor Resume { get; set; } = PushCursor.Start;

        public int Attempts { get; set; } = 1;
    }
}

/// <summary>What the <see cref="Batcher"/> needs of the settings.</summary>
public sealed record BatcherOptions(long MaxBytes, TimeSpan MaxWait, int MaxLines, long BufferMaxBytes, BufferFullPolicy WhenFull, int MaxRetries);
